import { describe, expect, it } from 'vitest';
import '../fake/fake-backend.js';
import type { ModelSpec, ProviderInfo } from '$lib/ipc';
import { adaptForm, buildParams, CUSTOM, defaultForm, formFromParams, formProblems } from '$lib/logic/params';

async function models(): Promise<Record<string, ModelSpec>> {
  const backend = globalThis.__easelFake.createFakeBackend({ images: 0 });
  const [openai] = (await backend.handle('get_catalog')) as ProviderInfo[];
  return Object.fromEntries(openai.models.map((m) => [m.id, m]));
}

describe('per-model parameters', () => {
  it('sends only fields the model understands', async () => {
    const m = await models();
    const dalle3 = buildParams(defaultForm(m['dall-e-3']), m['dall-e-3']);
    expect(dalle3).toEqual({ n: 1, size: '1024x1024', quality: 'standard', style: 'vivid' });
    const gpt = buildParams({ ...defaultForm(m['gpt-image-1']), outputFormat: 'jpeg', compression: 70 }, m['gpt-image-1']);
    expect(gpt).toMatchObject({ size: 'auto', quality: 'auto', background: 'auto', output_format: 'jpeg', output_compression: 70, moderation: 'auto' });
    expect(gpt.style).toBeUndefined();
    const png = buildParams(defaultForm(m['gpt-image-1']), m['gpt-image-1']);
    expect(png.output_compression).toBeUndefined();
  });

  it('sends a custom size as WxH and validates it', async () => {
    const m = await models();
    const form = { ...defaultForm(m['gpt-image-2']), size: CUSTOM, customWidth: 1536, customHeight: 864 };
    expect(buildParams(form, m['gpt-image-2']).size).toBe('1536x864');
    expect(formProblems('x', form, m['gpt-image-2'])).toEqual([]);
    expect(formProblems('x', { ...form, customWidth: 1000 }, m['gpt-image-2'])[0]).toContain('multiples of 16');
  });

  it('keeps compatible choices when switching models and drops the rest', async () => {
    const m = await models();
    const form = { ...defaultForm(m['gpt-image-1']), quality: 'high', n: 4, size: '1536x1024' };
    const moved = adaptForm(form, m['dall-e-3']);
    expect(moved.n).toBe(1);
    expect(moved.quality).toBe('standard');
    expect(moved.size).toBe('1024x1024');
    expect(adaptForm(form, m['gpt-image-1.5'])).toMatchObject({ quality: 'high', n: 4, size: '1536x1024' });
  });

  it('rebuilds the form from stored params, including custom sizes', async () => {
    const m = await models();
    const f = formFromParams({ size: '2048x1152', quality: 'high', n: 2 }, m['gpt-image-2']);
    expect(f).toMatchObject({ size: CUSTOM, customWidth: 2048, customHeight: 1152, quality: 'high', n: 2 });
  });

  it('reports an empty or too long prompt and transparent JPEG', async () => {
    const m = await models();
    const f = defaultForm(m['dall-e-2']);
    expect(formProblems('   ', f, m['dall-e-2'])).toContain('Write a prompt first.');
    expect(formProblems('x'.repeat(1001), f, m['dall-e-2'])[0]).toMatch(/1 characters over/);
    const g = { ...defaultForm(m['gpt-image-1']), background: 'transparent', outputFormat: 'jpeg' };
    expect(formProblems('ok', g, m['gpt-image-1'])).toContain('A transparent background needs PNG or WebP.');
  });
});
