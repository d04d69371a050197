import type { GenerationRequest, ModelSpec } from '$lib/ipc';
import { adaptForm, buildParams, defaultForm, formFromParams, formProblems, type ParamForm } from '$lib/logic/params';
import type { Catalog } from './catalog.svelte';

/** The Generate form: provider, model, prompt and the model's own parameters. */
export class GenerateForm {
  providerId = $state('');
  modelId = $state('');
  prompt = $state('');
  form = $state<ParamForm>(defaultForm(EMPTY_MODEL));
  #catalog: Catalog;

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
    this.prompt = readDraft();
  }

  /** Keeps the unsent prompt across restarts; it never leaves this machine's webview storage. */
  saveDraft(): void {
    try {
      if (this.prompt) localStorage.setItem(DRAFT_KEY, this.prompt);
      else localStorage.removeItem(DRAFT_KEY);
    } catch {
      // Storage may be unavailable; the draft is a convenience.
    }
  }

  get model(): ModelSpec | undefined {
    return this.#catalog.model(this.providerId, this.modelId);
  }

  get problems(): string[] {
    const model = this.model;
    if (!model) return ['Choose a model.'];
    return formProblems(this.prompt, this.form, model);
  }

  /** Picks the provider's configured (or catalog) default model once the catalog is in. */
  ensureSelection(): void {
    if (this.model) return;
    const provider = this.#catalog.provider(this.providerId) ?? this.#catalog.providers[0];
    if (!provider) return;
    const configured = this.#catalog.settings?.providers.find((p) => p.id === provider.id)?.default_model;
    const model =
      provider.models.find((m) => m.id === configured) ??
      provider.models.find((m) => m.id === provider.default_model) ??
      provider.models[0];
    if (!model) return;
    this.providerId = provider.id;
    this.modelId = model.id;
    this.form = defaultForm(model);
  }

  selectProvider(id: string): void {
    this.providerId = id;
    this.modelId = '';
    this.ensureSelection();
  }

  selectModel(id: string): void {
    const model = this.#catalog.model(this.providerId, id);
    if (!model) return;
    this.modelId = id;
    this.form = adaptForm(this.form, model);
  }

  /** Fills the form from an earlier request ("edit and run"). */
  prefill(request: GenerationRequest): void {
    const model = this.#catalog.model(request.provider, request.model);
    this.prompt = request.prompt;
    if (!model) return;
    this.providerId = request.provider;
    this.modelId = request.model;
    this.form = formFromParams(request.params, model);
  }

  request(): GenerationRequest | null {
    const model = this.model;
    if (!model || this.problems.length > 0) return null;
    return { provider: this.providerId, model: model.id, prompt: this.prompt, params: buildParams(this.form, model) };
  }
}

const DRAFT_KEY = 'easel.prompt-draft.v1';

function readDraft(): string {
  try {
    return (typeof localStorage === 'undefined' ? null : localStorage.getItem(DRAFT_KEY)) ?? '';
  } catch {
    return '';
  }
}

const EMPTY_MODEL: ModelSpec = {
  id: '',
  label: '',
  family: '',
  prompt_max_chars: 0,
  sizes: [],
  custom_size: null,
  n_max: 1,
  qualities: [],
  styles: [],
  backgrounds: [],
  output_formats: [],
  supports_compression: false,
  moderation: [],
  legacy: false,
};
