import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { Library, PAGE_SIZE, toListQuery, emptyFilters } from '$lib/state/library.svelte';
import { callsOf, disposeBackend, installBackend } from './harness';

afterEach(() => {
  disposeBackend();
  clearMocks();
  vi.useRealTimers();
});

describe('library paging', () => {
  it('loads page by page with the cursor until the end', async () => {
    const backend = installBackend({ images: 450 });
    const lib = new Library();
    await lib.reload();
    expect(lib.items).toHaveLength(PAGE_SIZE);
    expect(lib.hasMore).toBe(true);
    await lib.loadMore();
    expect(lib.items).toHaveLength(400);
    const cursors = callsOf(backend, 'list_images').map((c) => (c.args.query as { cursor: string | null }).cursor);
    expect(cursors).toEqual([null, 'img-000199']);
    await lib.loadMore();
    expect(lib.items).toHaveLength(450);
    expect(lib.hasMore).toBe(false);
    await lib.loadMore(); // nothing more to ask for
    expect(callsOf(backend, 'list_images')).toHaveLength(3);
    expect(new Set(lib.items.map((i) => i.id)).size).toBe(450);
  });

  it('debounces search and drops answers to superseded queries', async () => {
    const backend = installBackend({ images: 450 });
    vi.useFakeTimers();
    const lib = new Library();
    lib.setText('f');
    lib.setText('fo');
    lib.setText('fox');
    expect(callsOf(backend, 'list_images')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(callsOf(backend, 'list_images')).toHaveLength(1);
    expect((callsOf(backend, 'list_images')[0].args.query as { text: string }).text).toBe('fox');
    vi.useRealTimers();
    await vi.waitFor(() => expect(lib.loading).toBe(false));
    expect(lib.items.every((i) => i.prompt.includes('fox'))).toBe(true);

    const first = lib.reload();
    lib.filters = { ...lib.filters, text: 'owl' };
    const second = lib.reload();
    await Promise.all([first, second]);
    expect(lib.items.length).toBeGreaterThan(0);
    expect(lib.items.every((i) => i.prompt.toLowerCase().includes('owl'))).toBe(true);
  });

  it('builds the list query from filters, with whole local days', () => {
    const q = toListQuery({ ...emptyFilters(), text: '  fox ', favoritesOnly: true, sinceDay: '2026-11-01', untilDay: '2026-11-01' }, 'c', 50);
    expect(q.text).toBe('fox');
    expect(q.favorites_only).toBe(true);
    expect(new Date(q.until!).getTime() - new Date(q.since!).getTime()).toBe(24 * 3600 * 1000);
    expect(q.cursor).toBe('c');
    expect(q.limit).toBe(50);
    expect(toListQuery(emptyFilters(), null, 10).text).toBeNull();
  });

  it('selects like a file manager', async () => {
    installBackend({ images: 50 });
    const lib = new Library();
    await lib.reload();
    lib.select(2);
    lib.select(5, { range: true });
    expect(lib.selectedIds).toEqual(['img-000002', 'img-000003', 'img-000004', 'img-000005']);
    lib.select(9, { toggle: true });
    lib.select(3, { toggle: true });
    expect(lib.selectedIds).toEqual(['img-000002', 'img-000004', 'img-000005', 'img-000009']);
    lib.select(7);
    expect(lib.selectedIds).toEqual(['img-000007']);
  });

  it('deletes, restores with undo and re-queries what is loaded', async () => {
    const backend = installBackend({ images: 300 });
    const lib = new Library();
    await lib.reload();
    await lib.loadMore();
    lib.select(0);
    const deleted = await lib.delete(lib.selectedIds);
    expect(deleted).toEqual(['img-000000']);
    expect(lib.items[0].id).toBe('img-000001');
    expect(lib.items).toHaveLength(299);
    await lib.restore(deleted);
    expect(callsOf(backend, 'restore_images')[0].args).toEqual({ ids: ['img-000000'] });
    expect(lib.items[0].id).toBe('img-000000');
    expect(lib.items).toHaveLength(300);
  });

  it('flips a favourite optimistically and rolls back on failure', async () => {
    const backend = installBackend({ images: 10 });
    const lib = new Library();
    await lib.reload();
    await lib.setFavorite('img-000001', true);
    expect(lib.items[1].favorite).toBe(true);
    expect(backend.images[1].favorite).toBe(true);
    await expect(lib.setFavorite('nope', true)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('re-query deep in a big library', () => {
  it('re-reads the head and keeps the loaded tail and cursor when images arrive', async () => {
    const backend = installBackend({ images: 5000, pageSize: 1000 });
    const lib = new Library();
    await lib.reload();
    await lib.loadMore();
    await lib.loadMore();
    expect(lib.items).toHaveLength(3000);
    const cursor = lib.next;
    // Three new images at the top, one deleted in the head.
    await backend.handle('start_generation', {
      request: { provider: 'openai', model: 'gpt-image-1', prompt: 'new one', params: { n: 3 } },
      onEvent: '__CHANNEL__:1',
    });
    await vi.waitFor(() => expect(backend.images[0].prompt).toBe('new one'), { timeout: 3000 });
    await backend.handle('delete_images', { ids: ['img-000010'] });
    await lib.refresh();
    expect(lib.items).toHaveLength(3002);
    expect(lib.items.slice(0, 3).every((i) => i.prompt === 'new one')).toBe(true);
    expect(new Set(lib.items.map((i) => i.id)).size).toBe(3002);
    expect(lib.items.some((i) => i.id === 'img-000010')).toBe(false);
    expect(lib.items.at(-1)?.id).toBe('img-002999');
    expect(lib.next).toBe(cursor);
  });
});
