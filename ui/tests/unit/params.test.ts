import { describe, expect, it } from 'vitest';
import '../fake/fake-backend.js';
import type { ModelSpec, ParamSpec, ProviderInfo } from '$lib/ipc';
import {
  adaptForm,
  buildParams,
  controlKind,
  creditText,
  CUSTOM,
  defaultForm,
  formFromParams,
  formProblems,
  offersDefault,
  paramProblem,
  randomSeed,
  seedHint,
  type ParamForm,
} from '$lib/logic/params';

async function catalog(): Promise<ProviderInfo[]> {
  const backend = globalThis.__easelFake.createFakeBackend({ images: 0 });
  return (await backend.handle('get_catalog')) as ProviderInfo[];
}

async function models(provider = 'openai'): Promise<Record<string, ModelSpec>> {
  const p = (await catalog()).find((x) => x.id === provider)!;
  return Object.fromEntries(p.models.map((m) => [m.id, m]));
}

const withValues = (form: ParamForm, values: ParamForm['values']): ParamForm => ({ ...form, values: { ...form.values, ...values } });

describe('controls come from the parameter data', () => {
  const spec = (over: Partial<ParamSpec>): ParamSpec => ({ name: 'x', label: 'X', kind: 'choice', values: [], default: null, min: null, max: null, max_chars: null, step: null, help: '', ...over });

  it('picks a control per kind and name', () => {
    expect(controlKind(spec({ name: 'aspect_ratio', values: ['1:1', '16:9'] }))).toBe('aspect_ratio');
    // An "aspect_ratio" whose values are not ratios is an ordinary choice.
    expect(controlKind(spec({ name: 'aspect_ratio', values: ['square', 'wide'] }))).toBe('segmented');
    expect(controlKind(spec({ name: 'quality', values: ['low', 'high'] }))).toBe('segmented');
    expect(controlKind(spec({ name: 'quality', values: ['a', 'b', 'c', 'd', 'e'] }))).toBe('select');
    expect(controlKind(spec({ name: 'style', values: ['anime', 'cinematic'] }))).toBe('select');
    expect(controlKind(spec({ name: 'seed', kind: 'integer', min: 0, max: 10 }))).toBe('seed');
    expect(controlKind(spec({ name: 'n', kind: 'integer', min: 1, max: 4 }))).toBe('count');
    expect(controlKind(spec({ name: 'n', kind: 'integer', min: 1, max: 50 }))).toBe('number');
    expect(controlKind(spec({ name: 'output_compression', kind: 'integer', min: 0, max: 100 }))).toBe('slider');
    expect(controlKind(spec({ name: 'negative_prompt', kind: 'text', max_chars: 100 }))).toBe('textarea');
    expect(controlKind(spec({ name: 'user', kind: 'text', max_chars: 64 }))).toBe('text');
    expect(controlKind(spec({ name: 'size', kind: 'size', values: ['1024x1024'] }))).toBe('size');
    expect(controlKind(spec({ name: 'raw', kind: 'bool' }))).toBe('checkbox');
  });

  it('checks values by the same rules as core', () => {
    expect(paramProblem(spec({ values: ['a', 'b'] }), 'c', 'M')).toBe('X: M takes a or b.');
    expect(paramProblem(spec({ values: ['a', 'b'] }), '', 'M')).toBeNull();
    const int = spec({ kind: 'integer', min: 1, max: 4, label: 'Images' });
    expect(paramProblem(int, 5, 'M')).toBe('Images must be from 1 to 4 for M.');
    expect(paramProblem(int, 2.5, 'M')).toBe('Images must be a whole number.');
    expect(paramProblem(int, 4, 'M')).toBeNull();
    const text = spec({ kind: 'text', max_chars: 5, label: 'Negative prompt' });
    expect(paramProblem(text, 'abcdefg', 'M')).toBe("Negative prompt is 2 characters over M's limit of 5.");
    // Characters, not UTF-16 units, as core counts them.
    expect(paramProblem(text, '🦊🦊🦊🦊🦊', 'M')).toBeNull();
  });

  it('takes decimals (CFG scale) within their bounds, and sends them as numbers', () => {
    const cfg = spec({ name: 'cfg_scale', kind: 'decimal', min: 1, max: 30, step: 0.5, label: 'CFG scale' });
    expect(controlKind(cfg)).toBe('decimal');
    expect(paramProblem(cfg, 7.5, 'M')).toBeNull();
    expect(paramProblem(cfg, 7.25, 'M')).toBeNull();
    expect(paramProblem(cfg, 30, 'M')).toBeNull();
    expect(paramProblem(cfg, 0.5, 'M')).toBe('CFG scale must be from 1 to 30 for M.');
    expect(paramProblem(cfg, 'x', 'M')).toBe('CFG scale must be a number.');
    expect(paramProblem(cfg, Number.NaN, 'M')).toBe('CFG scale must be a number.');
    const model = { label: 'M', parameters: [cfg], prompt_max_chars: 100, custom_size: null, compression_formats: [], transparent_background_formats: [] } as unknown as ModelSpec;
    // Left empty, the engine's own applies; set, it is sent as the number typed.
    const empty = defaultForm(model);
    expect(empty.values.cfg_scale).toBeNull();
    expect(buildParams(empty, model)).toEqual({});
    expect(buildParams(withValues(empty, { cfg_scale: 6.5 }), model)).toEqual({ cfg_scale: 6.5 });
    expect(formProblems('a fox', withValues(empty, { cfg_scale: 31 }), model)).toEqual(['CFG scale must be from 1 to 30 for M.']);
  });

  it('says what happens to the seed: none sent, one sent, or one Easel picks and records', () => {
    expect(seedHint(true, false)).toBe('This seed is sent: the same prompt gives the same image.');
    expect(seedHint(true, true)).toBe('This seed is sent: the same prompt gives the same image.');
    expect(seedHint(false, false)).toBe('No seed is sent: each image is new.');
    expect(seedHint(false, true)).toMatch(/^Easel picks a new seed and records it/);
    expect(seedHint(false, true)).not.toMatch(/no seed/i);
  });

  it('a random seed stays inside the model range', () => {
    const seed = spec({ name: 'seed', kind: 'integer', min: 0, max: 9 });
    expect(randomSeed(seed, () => 0)).toBe(1);
    expect(randomSeed(seed, () => 0.9999)).toBe(9);
  });
});

describe('OpenAI models keep their rules', () => {
  it('sends only fields the model takes and the user set', async () => {
    const m = await models();
    expect(buildParams(defaultForm(m['dall-e-3']), m['dall-e-3'])).toEqual({ size: '1024x1024', quality: 'standard' });
    const gpt = buildParams(withValues(defaultForm(m['gpt-image-1']), { output_format: 'jpeg', output_compression: 70, background: 'auto' }), m['gpt-image-1']);
    expect(gpt).toMatchObject({ n: 1, size: 'auto', quality: 'auto', background: 'auto', output_format: 'jpeg', output_compression: 70 });
    expect(gpt.style).toBeUndefined();
    // Compression applies to JPEG and WebP only: never sent with PNG.
    const png = buildParams(withValues(defaultForm(m['gpt-image-1']), { output_compression: 70 }), m['gpt-image-1']);
    expect(png.output_compression).toBeUndefined();
  });

  it('chooses "auto" where a choice has it instead of offering a second "Default"', async () => {
    const m = await models();
    const background = m['gpt-image-1'].parameters.find((p) => p.name === 'background')!;
    expect(offersDefault(background)).toBe(false);
    expect(defaultForm(m['gpt-image-1']).values).toMatchObject({ background: 'auto', moderation: 'auto' });
    const style = m['dall-e-3'].parameters.find((p) => p.name === 'style')!;
    expect(offersDefault(style)).toBe(true);
    expect(defaultForm(m['dall-e-3']).values.style).toBe('');
  });

  it('sends a custom size as WxH and validates it', async () => {
    const m = await models();
    const form = { ...withValues(defaultForm(m['gpt-image-2']), { size: CUSTOM }), customWidth: 1536, customHeight: 864 };
    expect(buildParams(form, m['gpt-image-2']).size).toBe('1536x864');
    expect(formProblems('x', form, m['gpt-image-2'])).toEqual([]);
    expect(formProblems('x', { ...form, customWidth: 1000 }, m['gpt-image-2'])[0]).toContain('multiples of 16');
  });

  it('keeps compatible choices when switching models and drops the rest', async () => {
    const m = await models();
    const form = withValues(defaultForm(m['gpt-image-1']), { quality: 'high', n: 4, size: '1536x1024' });
    const moved = adaptForm(form, m['dall-e-3']);
    expect(moved.values.n).toBeUndefined();
    expect(moved.values.quality).toBe('standard');
    expect(moved.values.size).toBe('1024x1024');
    expect(adaptForm(form, m['gpt-image-1.5']).values).toMatchObject({ quality: 'high', n: 4, size: '1536x1024' });
    // A custom size survives only where the model takes custom sizes.
    const custom = withValues(defaultForm(m['gpt-image-2']), { size: CUSTOM });
    expect(adaptForm(custom, m['gpt-image-1']).values.size).toBe('auto');
  });

  it('rebuilds the form from stored params, including custom sizes', async () => {
    const m = await models();
    const f = formFromParams({ size: '2048x1152', quality: 'high', n: 2 }, m['gpt-image-2']);
    expect(f).toMatchObject({ customWidth: 2048, customHeight: 1152, seedLocked: false });
    expect(f.values).toMatchObject({ size: CUSTOM, quality: 'high', n: 2 });
  });

  it('reports an empty or too long prompt and a transparent JPEG', async () => {
    const m = await models();
    const f = defaultForm(m['dall-e-2']);
    expect(formProblems('   ', f, m['dall-e-2'])).toContain('Write a prompt first.');
    expect(formProblems('x'.repeat(1001), f, m['dall-e-2'])[0]).toMatch(/1 characters over/);
    const g = withValues(defaultForm(m['gpt-image-1']), { background: 'transparent', output_format: 'jpeg' });
    expect(formProblems('ok', g, m['gpt-image-1'])).toContain('A transparent background needs PNG or WebP.');
    expect(formProblems('ok', withValues(g, { output_format: 'webp' }), m['gpt-image-1'])).toEqual([]);
  });
});

describe('catalogue-described models (Stability, Firefly)', () => {
  it('starts from the catalogue defaults and sends no seed until it is locked', async () => {
    const m = await models('stability');
    const form = defaultForm(m.ultra);
    expect(form.values).toMatchObject({ aspect_ratio: '1:1', output_format: 'png', style: '', negative_prompt: '' });
    expect(form.seedLocked).toBe(false);
    expect(buildParams(form, m.ultra)).toEqual({ aspect_ratio: '1:1', output_format: 'png' });
    const locked = { ...withValues(form, { seed: 42, style: 'cinematic', negative_prompt: '  blurry  ', aspect_ratio: '16:9' }), seedLocked: true };
    expect(buildParams(locked, m.ultra)).toEqual({ aspect_ratio: '16:9', output_format: 'png', seed: 42, style: 'cinematic', negative_prompt: 'blurry' });
    // Unlocked again: the number stays in the form, but nothing is sent.
    expect(buildParams({ ...locked, seedLocked: false }, m.ultra).seed).toBeUndefined();
  });

  it('validates a locked seed, the negative prompt and provider-specific values locally', async () => {
    const m = await models('stability');
    const form = { ...withValues(defaultForm(m.ultra), { seed: 4294967295 }), seedLocked: true };
    expect(formProblems('a fox', form, m.ultra)).toEqual(['Seed must be from 0 to 4294967294 for Stable Image Ultra.']);
    expect(formProblems('a fox', { ...form, seedLocked: false }, m.ultra)).toEqual([]);
    const long = withValues(defaultForm(m.ultra), { negative_prompt: 'x'.repeat(10001) });
    expect(formProblems('a fox', long, m.ultra)[0]).toMatch(/Negative prompt is 1 characters over/);
    const f = await models('firefly');
    const firefly = withValues(defaultForm(f.image4), { content_class: 'photo', n: 5 });
    expect(formProblems('a fox', firefly, f.image4)).toEqual(['Images must be from 1 to 4 for Firefly Image 4.']);
    // Provider-specific parameters travel under their catalogue name.
    expect(buildParams(withValues(firefly, { n: 2 }), f.image4)).toMatchObject({ content_class: 'photo', n: 2 });
  });

  it('moves the aspect ratio and seed across models that take them', async () => {
    const m = await models('stability');
    const form = { ...withValues(defaultForm(m.ultra), { aspect_ratio: '9:16', style: 'anime', seed: 7 }), seedLocked: true };
    const moved = adaptForm(form, m['sd3.5-large']);
    expect(moved.values).toMatchObject({ aspect_ratio: '9:16', seed: 7 });
    expect(moved.values.style).toBeUndefined();
    expect(buildParams(moved, m['sd3.5-large']).style).toBeUndefined();
    const again = formFromParams({ aspect_ratio: '2:3', seed: 99 }, m.core);
    expect(again.seedLocked).toBe(true);
    expect(again.values).toMatchObject({ aspect_ratio: '2:3', seed: 99 });
  });

  it('shows the credit cost before generating', async () => {
    const m = await models('stability');
    expect(creditText(m.ultra, 1)).toBe('8 credits per image');
    expect(creditText(m.ultra, 3)).toBe('8 credits per image × 3 = 24 credits');
    expect(creditText(m['sd3.5-large'], 2)).toBe('6.5 credits per image × 2 = 13 credits');
    expect(creditText((await models())['gpt-image-1'], 2)).toBeNull();
  });
});
