import type { GenerationRequest, ModelSpec, ProviderInfo } from '$lib/ipc';
import { offeredChoices, type SafeChoices } from '$lib/logic/commercial';
import { adaptForm, buildParams, defaultForm, formFromParams, formProblems, randomSeed, type ParamForm } from '$lib/logic/params';
import { readStored, writeStored } from '$lib/logic/stored';
import type { Catalog } from './catalog.svelte';

/** The Generate form: provider, model, prompt and the model's own parameters. */
export class GenerateForm {
  providerId = $state('');
  modelId = $state('');
  prompt = $state('');
  form = $state<ParamForm>(defaultForm(EMPTY_MODEL));
  /** Commercially safe mode: offer only models whose terms allow commercial use with an indemnity. */
  safeOnly = $state(false);
  #catalog: Catalog;

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
    this.prompt = readDraft();
    this.safeOnly = readFlag(SAFE_ONLY_KEY);
  }

  /** The providers and models Generate offers, and (in safe mode) what it hides and why. */
  get choices(): SafeChoices {
    return offeredChoices(this.#catalog.providers, this.safeOnly);
  }

  get offeredProviders(): ProviderInfo[] {
    return this.choices.offered;
  }

  /** The selected provider as offered (its models filtered in safe mode). */
  get provider(): ProviderInfo | undefined {
    return this.offeredProviders.find((p) => p.id === this.providerId);
  }

  setSafeOnly(on: boolean): void {
    this.safeOnly = on;
    writeFlag(SAFE_ONLY_KEY, on);
    this.ensureSelection();
  }

  /** Locks the seed (keeping the number shown, or a fresh one) or goes back to random. */
  setSeedLocked(locked: boolean): void {
    const spec = this.model?.parameters.find((p) => p.name === 'seed');
    const current = this.form.values.seed;
    const values = locked && typeof current !== 'number' ? { ...this.form.values, seed: randomSeed(spec) } : this.form.values;
    this.form = { ...this.form, values, seedLocked: locked };
  }

  /** Keeps the unsent prompt across restarts; it never leaves this machine's webview storage. */
  saveDraft(): void {
    writeStored(DRAFT_KEY, this.prompt || null);
  }

  /** The selected model, if Generate offers it (safe mode may hide it). */
  get model(): ModelSpec | undefined {
    return this.provider?.models.find((m) => m.id === this.modelId);
  }

  get problems(): string[] {
    const model = this.model;
    if (!model) return ['Choose a model.'];
    return formProblems(this.prompt, this.form, model);
  }

  /**
   * Picks a model Generate offers once the catalog is in: the provider's configured (or
   * catalog) default, preferring a provider that is set up.
   */
  ensureSelection(): void {
    if (this.model) return;
    const offered = this.offeredProviders;
    const provider =
      offered.find((p) => p.id === this.providerId) ?? offered.find((p) => p.configured) ?? offered[0];
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
    const model = this.provider?.models.find((m) => m.id === id);
    if (!model) return;
    this.modelId = id;
    this.form = adaptForm(this.form, model);
  }

  /** Fills the form from an earlier request ("edit and run"). */
  prefill(request: GenerationRequest): void {
    const model = this.#catalog.model(request.provider, request.model);
    this.prompt = request.prompt;
    if (!model) return;
    // Re-running an image from a model safe mode hides: show it, rather than silently swap.
    if (this.safeOnly && !model.license.commercially_safe) this.setSafeOnly(false);
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
const SAFE_ONLY_KEY = 'easel.commercially-safe-only.v1';

function readFlag(key: string): boolean {
  return readStored(key) === 'true';
}

function writeFlag(key: string, on: boolean): void {
  // Until storage takes it, the switch lasts as long as the window.
  writeStored(key, on ? 'true' : 'false');
}

function readDraft(): string {
  return readStored(DRAFT_KEY) ?? '';
}

const EMPTY_MODEL: ModelSpec = {
  edits: [],
  id: '',
  label: '',
  family: '',
  notes: '',
  prompt_max_chars: 0,
  parameters: [],
  credits_per_image: null,
  custom_size: null,
  transparent_background_formats: [],
  compression_formats: [],
  legacy: false,
  license: {
    terms_id: 'unknown',
    covers: '',
    commercial_use: 'unknown',
    indemnified: false,
    commercially_safe: false,
    not_safe_because: null,
    terms_url: '',
  },
};
