import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { AppState } from '$lib/state/app.svelte';
import { GROW_INTERVAL_MS } from '$lib/state/imports.svelte';
import { disposeBackend, installBackend } from './harness';

afterEach(() => {
  disposeBackend();
  clearMocks();
});

describe('the grid during an import', () => {
  it('shows new images as they arrive, at most once a second, keeping the selection', async () => {
    installBackend({ images: 30, importDelayMs: 2 });
    const app = new AppState();
    await app.library.reload();
    const before = app.library.items.length;
    const kept = app.library.items[5].id;
    app.library.selected.add(kept);
    // A clock that moves 300 ms per progress message: 42 files span about 12 s.
    let clock = 0;
    app.imports.now = () => (clock += 300);
    const grewAt: number[] = [];
    const shownWhileRunning: number[] = [];
    const grow = app.imports.onGrew;
    app.imports.onGrew = () => {
      grewAt.push(clock);
      grow();
      void Promise.resolve().then(() => {
        if (app.imports.running) shownWhileRunning.push(app.library.items.length);
      });
    };
    await app.imports.start(['/home/user/Pictures/sd-outputs']);
    expect(app.imports.summary?.imported).toHaveLength(36);
    // Throttled: more than once, far fewer than the 36 images, never closer than the interval.
    expect(grewAt.length).toBeGreaterThan(3);
    expect(grewAt.length).toBeLessThan(20);
    for (let i = 1; i < grewAt.length; i++) expect(grewAt[i] - grewAt[i - 1]).toBeGreaterThanOrEqual(GROW_INTERVAL_MS);
    // Images were in the grid before the end, and all of them after.
    await expect.poll(() => app.library.items.length, { timeout: 2000 }).toBe(before + 36);
    expect(shownWhileRunning.length).toBeGreaterThan(0);
    expect(shownWhileRunning.some((n) => n > before && n < before + 36)).toBe(true);
    expect(app.library.selected.has(kept)).toBe(true);
  });

  it('does not re-query when nothing new was imported', async () => {
    installBackend({ images: 30, importDelayMs: 2 });
    const app = new AppState();
    await app.library.reload();
    let grew = 0;
    app.imports.onGrew = () => grew++;
    await app.imports.start(['/home/user/Pictures/sd-outputs']);
    expect(grew).toBeGreaterThan(0);
    // The same folder again: every file is already imported.
    grew = 0;
    await app.imports.start(['/home/user/Pictures/sd-outputs']);
    expect(app.imports.summary?.imported).toHaveLength(0);
    expect(grew).toBe(0);
  });
});
