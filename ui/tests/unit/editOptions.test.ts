import { describe, expect, it } from 'vitest';
import '../fake/fake-backend.js';
import type { EditSpec, ModelSpec, ParamSpec, ProviderInfo } from '$lib/ipc';
import { editOptionsModel } from '$lib/logic/editOptions';
import { adaptForm, buildParams, defaultForm, paramProblems } from '$lib/logic/params';
// Core's catalogue data for OpenAI, as the shell hands it to the window.
import openaiData from '../../../crates/core/data/providers/openai.json?raw';

type CoreEdit = { operation: string; parameters?: { name: string; kind: string; values?: string[]; min?: number; max?: number }[] };
type CoreModel = { id: string; edits?: CoreEdit[] };

function coreOpenai(): CoreModel[] {
  return (JSON.parse(openaiData) as { models: CoreModel[] }).models;
}

async function editModels(): Promise<ProviderInfo['edit_models']> {
  const backend = globalThis.__easelFake.createFakeBackend({ images: 0 });
  const providers = (await backend.handle('get_catalog')) as ProviderInfo[];
  return providers.find((p) => p.id === 'openai')!.edit_models;
}

async function editOf(model: string): Promise<ModelSpec> {
  const m = (await editModels()).find((x) => x.id === model)!;
  return editOptionsModel(m, m.edits.find((e) => e.operation === 'edit')!);
}

describe('edit options come from the operation in the catalogue', () => {
  it('the fake catalogue offers the options core data gives each OpenAI model for an edit', async () => {
    const core = coreOpenai();
    const ui = await editModels();
    // The options the window offers are the core data's, model by model (less `user`, which
    // the window does not ask for at generation either).
    for (const m of ui) {
      const edit = m.edits.find((e) => e.operation === 'edit');
      if (!edit) continue;
      const data = core.find((c) => c.id === m.id)!.edits!.find((e) => e.operation === 'edit')!;
      const want = (data.parameters ?? []).map((p) => p.name).filter((n) => n !== 'user' && n !== 'response_format');
      expect((edit.parameters ?? []).map((p) => p.name), m.id).toEqual(want);
    }
    // Input fidelity only where the data has it.
    const fidelity = core.filter((c) => c.edits?.some((e) => e.parameters?.some((p) => p.name === 'input_fidelity'))).map((c) => c.id);
    expect(fidelity).toContain('gpt-image-1');
    expect(fidelity).not.toContain('gpt-image-1-mini');
    expect(fidelity).not.toContain('dall-e-2');
  });

  it('n, size, quality and input fidelity are offered for gpt-image-1, not fidelity for mini or dall-e-2', async () => {
    const names = (m: ModelSpec) => m.parameters.map((p) => p.name);
    const g1 = await editOf('gpt-image-1');
    expect(names(g1)).toEqual(expect.arrayContaining(['n', 'size', 'quality', 'input_fidelity']));
    expect(g1.custom_size).toBeNull();
    expect(names(await editOf('gpt-image-1-mini'))).not.toContain('input_fidelity');
    const d2 = await editOf('dall-e-2');
    expect(names(d2)).toEqual(['n', 'size']);
  });

  it('sends only what was set, and checks values before anything is sent', async () => {
    const g1 = await editOf('gpt-image-1');
    let form = defaultForm(g1);
    // Nothing chosen: each option at the default the data documents ("auto" where there is one).
    expect(buildParams(form, g1)).toEqual({ n: 1, size: 'auto', quality: 'auto', background: 'auto', output_format: 'png', input_fidelity: 'low' });
    form = { ...form, values: { ...form.values, n: 3, quality: 'high', input_fidelity: 'high', size: '1536x1024' } };
    expect(paramProblems(form, g1)).toEqual([]);
    expect(buildParams(form, g1)).toMatchObject({ n: 3, quality: 'high', input_fidelity: 'high', size: '1536x1024' });
    expect(paramProblems({ ...form, values: { ...form.values, n: 11 } }, g1)).toEqual(['Images must be from 1 to 10 for GPT Image 1.']);
    expect(paramProblems({ ...form, values: { ...form.values, quality: 'ultra' } }, g1)[0]).toMatch(/Quality: GPT Image 1 takes auto, low, medium or high/);
    expect(paramProblems({ ...form, values: { ...form.values, background: 'transparent', output_format: 'jpeg' } }, g1)[0]).toMatch(/transparent background needs/);
  });

  it('switching to a model without input fidelity drops it and keeps the rest', async () => {
    const g1 = await editOf('gpt-image-1');
    const mini = await editOf('gpt-image-1-mini');
    const form = { ...defaultForm(g1), values: { ...defaultForm(g1).values, n: 2, quality: 'low', input_fidelity: 'high' } };
    const moved = adaptForm(form, mini);
    expect(buildParams(moved, mini)).not.toHaveProperty('input_fidelity');
    expect(buildParams(moved, mini)).toMatchObject({ n: 2, quality: 'low' });
  });

  it('takes the operation\'s prompt limit and credits over the model\'s', () => {
    const param: ParamSpec = { name: 'n', label: 'Images', kind: 'integer', values: [], default: null, min: 1, max: 4, max_chars: null, step: null, help: '' };
    const model = { id: 'm', label: 'M', prompt_max_chars: 4000, credits_per_image: 3, custom_size: { multiple_of: 64, min_edge: 64, max_edge: 2048, max_pixels: 4000000, min_pixels: 4096, max_aspect: 3 } } as unknown as ModelSpec;
    const spec = { operation: 'inpaint', label: 'Inpaint', image_formats: ['png'], max_image_bytes: 1, prompt_max_chars: 1000, credits_per_image: 5, parameters: [param] } as EditSpec;
    const o = editOptionsModel(model, spec);
    expect(o.parameters).toEqual([param]);
    expect(o.prompt_max_chars).toBe(1000);
    expect(o.credits_per_image).toBe(5);
    expect(o.custom_size).toBeNull();
  });
});
