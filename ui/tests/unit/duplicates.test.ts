import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '$lib/ipc';
import { sizeLine, suggestedKeep } from '$lib/logic/duplicates';

function image(id: string, width: number, height: number, favorite = false): ImageSummary {
  return {
    id,
    generation_id: `g-${id}`,
    prompt: 'a fox',
    provider: 'openai',
    model: 'gpt-image-1',
    created_at: '2026-12-01T10:00:00Z',
    width,
    height,
    format: 'png',
    favorite,
    commercial_use: 'yes',
    filtered: false,
    license_status: 'included',
    damaged: false,
  };
}

describe('near-duplicates', () => {
  it('suggests keeping the image with the most pixels, then a favourite, then the newest', () => {
    expect(suggestedKeep([image('new-small', 512, 512), image('old-large', 1024, 1024)])).toBe('old-large');
    expect(suggestedKeep([image('newest', 1024, 1024), image('older', 1024, 1024)])).toBe('newest');
    expect(suggestedKeep([image('newest', 1024, 1024), image('loved', 1024, 1024, true)])).toBe('loved');
    expect(suggestedKeep([])).toBeNull();
  });

  it('says what tells look-alikes apart', () => {
    expect(sizeLine({ ...image('a', 1536, 1024), format: 'jpeg' })).toBe('1536×1024 · JPEG');
  });
});
