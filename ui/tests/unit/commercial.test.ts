import { describe, expect, it } from 'vitest';
import '../fake/fake-backend.js';
import type { ProviderInfo } from '$lib/ipc';
import { hiddenSummary, offeredChoices } from '$lib/logic/commercial';

async function catalog(): Promise<ProviderInfo[]> {
  const backend = globalThis.__easelFake.createFakeBackend({ images: 0 });
  return (await backend.handle('get_catalog')) as ProviderInfo[];
}

describe('commercially safe mode', () => {
  it('offers everything when off', async () => {
    const providers = await catalog();
    const { offered, hidden } = offeredChoices(providers, false);
    expect(offered).toBe(providers);
    expect(hidden).toEqual([]);
  });

  it('offers only models whose terms allow commercial use with an indemnity, and says why the rest are hidden', async () => {
    const providers = await catalog();
    const { offered, hidden } = offeredChoices(providers, true);
    expect(offered.map((p) => p.id)).toEqual(['openai', 'getty', 'firefly']);
    expect(offered.flatMap((p) => p.models).every((m) => m.license.commercially_safe)).toBe(true);
    expect(hidden.map((h) => h.modelId)).toEqual(['ultra', 'core', 'sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash']);
    expect(hidden[0]).toMatchObject({ providerName: 'Stability AI', reason: 'its terms offer no indemnity for the images' });
    // A whole provider hidden for one reason reads as one line.
    expect(hiddenSummary(providers, hidden)).toEqual([{ name: 'Stability AI', reason: 'its terms offer no indemnity for the images' }]);
  });

  it('filters model by model within a provider', async () => {
    const providers = await catalog();
    const openai = providers.find((p) => p.id === 'openai')!;
    const mixed: ProviderInfo = {
      ...openai,
      models: openai.models.map((m) =>
        m.id === 'dall-e-2' ? { ...m, license: { ...m.license, commercially_safe: false, not_safe_because: 'its terms are unknown to Easel' } } : m,
      ),
    };
    const { offered, hidden } = offeredChoices([mixed], true);
    expect(offered[0].models.map((m) => m.id)).not.toContain('dall-e-2');
    expect(offered[0].models).toHaveLength(openai.models.length - 1);
    expect(hiddenSummary([mixed], hidden)).toEqual([{ name: 'OpenAI DALL·E 2', reason: 'its terms are unknown to Easel' }]);
  });
});
