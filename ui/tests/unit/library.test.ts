import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { Library, MAX_LOADED, PAGE_SIZE, toListQuery, emptyFilters } from '$lib/state/library.svelte';
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
    expect(cursors).toHaveLength(2);
    expect(cursors[0]).toBeNull();
    expect(lib.items[PAGE_SIZE].id).toBe('img-000200');
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

const id = (i: number) => `img-${String(i).padStart(6, '0')}`;

/** Does what the grid does while rows `from`..`to - 1` are in view: asks until all is loaded. */
async function view(lib: Library, from: number, to: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    lib.show(from, to);
    if (!lib.loading) return;
    while (lib.loading) await new Promise((r) => setTimeout(r, 0));
  }
  throw new Error(`rows ${from}..${to} never loaded`);
}

describe('re-query after changes', () => {
  it('at the top, re-reads the loaded window: new images appear, deleted ones go', async () => {
    const backend = installBackend({ images: 5000 });
    const lib = new Library();
    await lib.reload();
    await view(lib, 0, 600);
    expect(lib.items).toHaveLength(600);
    await backend.handle('start_generation', {
      request: { provider: 'openai', model: 'gpt-image-1', prompt: 'new one', params: { n: 3 } },
      onEvent: '__CHANNEL__:1',
    });
    await vi.waitFor(() => expect(backend.images[0].prompt).toBe('new one'), { timeout: 3000 });
    await backend.handle('delete_images', { ids: ['img-000010'] });
    await lib.refresh();
    expect(lib.offset).toBe(0);
    expect(lib.items).toHaveLength(600);
    expect(lib.items.slice(0, 3).every((i) => i.prompt === 'new one')).toBe(true);
    expect(new Set(lib.items.map((i) => i.id)).size).toBe(600);
    expect(lib.items.some((i) => i.id === 'img-000010')).toBe(false);
    // 600 rows = 3 new + img-000000..img-000597 without img-000010.
    expect(lib.items.at(-1)?.id).toBe(id(597));
    expect(lib.hasMore).toBe(true);
    await view(lib, 600, 1000);
    expect(lib.at(600)?.id).toBe(id(598));
    // Every query asked core for a page it accepts.
    expect(callsOf(backend, 'list_images').every((c) => (c.args.query as { limit: number }).limit === PAGE_SIZE)).toBe(true);
  });
});

describe('a bounded window over a big library', () => {
  it('scrolls 22,000 rows down and back up holding at most MAX_LOADED, every row at its absolute place', async () => {
    const backend = installBackend({ images: 50_000 });
    const lib = new Library();
    await lib.reload();
    let most = 0;
    let released = 0;
    for (let top = 0; top <= 22_000; top += 150) {
      await view(lib, top, top + 100);
      most = Math.max(most, lib.items.length);
      released = Math.max(released, lib.offset);
      for (const i of [top, top + 57, top + 99]) expect(lib.at(i)?.id).toBe(id(i));
      expect(lib.items[0].id).toBe(id(lib.offset));
    }
    expect(most).toBeLessThanOrEqual(MAX_LOADED);
    expect(released).toBeGreaterThan(15_000);
    expect(lib.total).toBe(50_000); // the whole library: every position has its place
    const fetched = callsOf(backend, 'list_images').length;
    for (let top = 22_000; top >= 0; top -= 150) {
      await view(lib, top, top + 100);
      most = Math.max(most, lib.items.length);
      for (const i of [top, top + 57, top + 99]) expect(lib.at(i)?.id).toBe(id(i));
      expect(lib.items.at(-1)?.id).toBe(id(lib.offset + lib.items.length - 1));
    }
    expect(most).toBeLessThanOrEqual(MAX_LOADED);
    expect(lib.offset).toBe(0);
    // Going back up re-fetched the released pages by their own cursors, one page per request.
    const back = callsOf(backend, 'list_images').slice(fetched);
    expect(back.length).toBeGreaterThan(80);
    expect(back.every((c) => (c.args.query as { cursor: string | null }).cursor !== null || c === back.at(-1))).toBe(true);
    // The bottom was released on the way up, and the length stays.
    expect(lib.offset + lib.items.length).toBeLessThanOrEqual(MAX_LOADED);
    expect(lib.hasMore).toBe(true);
    expect(lib.total).toBe(50_000);
    expect(callsOf(backend, 'cursor_at')).toHaveLength(0); // every page was reached from the one before
  }, 30_000);

  it('enters the whole library anywhere: the scroll bar dragged to the middle, End to the oldest image', async () => {
    const backend = installBackend({ images: 50_000 });
    const lib = new Library();
    await lib.reload();
    await vi.waitFor(() => expect(lib.total).toBe(50_000));
    expect(lib.more).toBe(false);
    // Dragged to the middle: one request finds where position 31,337's page starts, one reads it.
    await view(lib, 31_337, 31_400);
    expect(lib.at(31_337)?.id).toBe(id(31_337));
    expect(lib.at(31_399)?.id).toBe(id(31_399));
    const sought = callsOf(backend, 'cursor_at');
    expect(sought.map((c) => c.args.position)).toEqual([31_200]);
    expect(lib.items.length).toBeLessThanOrEqual(400);
    // Scrolling on from there reads the next page by its own cursor.
    await view(lib, 31_500, 31_600);
    expect(lib.at(31_599)?.id).toBe(id(31_599));
    expect(callsOf(backend, 'cursor_at')).toHaveLength(1);
    // End: the last image, the oldest, at its true place.
    expect(await lib.reveal(49_999)).toBe(true);
    expect(lib.at(49_999)?.id).toBe(id(49_999));
    expect(await lib.reveal(50_000)).toBe(false);
    // Oldest first, the same: position 0 is the oldest image.
    lib.setFilters({ order: 'oldest_first' });
    await vi.waitFor(() => expect(lib.total).toBe(50_000));
    await view(lib, 40_000, 40_050);
    expect(lib.at(40_000)?.id).toBe(id(49_999 - 40_000));
    expect(lib.items.every((item, i) => item.id === id(49_999 - lib.offset - i))).toBe(true);
  }, 30_000);

  it('a board and a tag on their own span too: entered anywhere, End to their last image', async () => {
    const backend = installBackend({ images: 30_000 });
    const openai = { kind: 'search', query: toListQuery({ ...emptyFilters(), provider: 'openai' }, null, PAGE_SIZE) };
    const board = (await backend.handle('create_board', { name: 'Picks' })) as { id: number };
    await backend.handle('add_to_board', { id: board.id, selection: openai });
    await backend.handle('add_tags', { selection: openai, names: ['kept'] });
    // OpenAI made every image but those at 2 and 8 of each ten: the board's k-th image.
    const members = Array.from({ length: 30_000 }, (_, i) => i).filter((i) => i % 10 !== 2 && i % 10 !== 8);
    const lib = new Library();
    lib.showBoard({ id: board.id, name: 'Picks' });
    await vi.waitFor(() => expect(lib.total).toBe(24_000));
    expect(lib.more).toBe(false);
    await view(lib, 17_001, 17_050);
    expect(lib.at(17_001)?.id).toBe(id(members[17_001]));
    expect(callsOf(backend, 'cursor_at').map((c) => (c.args.query as { text: string }).text)).toEqual(['board:Picks']);
    expect(await lib.reveal(23_999)).toBe(true);
    expect(lib.at(23_999)?.id).toBe(id(members[23_999]));
    // The tag alone, typed in the search box, the same.
    lib.showBoard(null);
    lib.setFilters({ text: 'tag:kept' });
    await vi.waitFor(() => expect(lib.total).toBe(24_000));
    await view(lib, 9_000, 9_020);
    expect(lib.at(9_010)?.id).toBe(id(members[9_010]));
  }, 30_000);

  it('a search or a filter knows its positions only as far as its pages were read', async () => {
    const backend = installBackend({ images: 50_000 });
    const lib = new Library();
    lib.filters = { ...lib.filters, provider: 'openai' }; // 80 % of the library
    await lib.reload();
    await vi.waitFor(() => expect(lib.count?.count).toBe(40_000));
    expect(lib.total).toBe(PAGE_SIZE);
    expect(lib.more).toBe(true);
    for (let top = 0; top <= 1_000; top += 100) await view(lib, top, top + 100);
    expect(lib.total).toBeLessThan(1_500);
    expect(lib.more).toBe(true);
    expect(callsOf(backend, 'cursor_at')).toHaveLength(0);
  }, 30_000);

  it('says why when the place of a far page cannot be found, and recovers', async () => {
    const backend = installBackend({ images: 20_000 });
    const lib = new Library();
    await lib.reload();
    await vi.waitFor(() => expect(lib.total).toBe(20_000));
    // The library shrank behind the window's back: the far position is gone.
    await backend.handle('delete_images', { ids: Array.from({ length: 5_000 }, (_, i) => id(i)) });
    await view(lib, 19_000, 19_100);
    expect(lib.error?.code).toBe('not_found');
    expect(callsOf(backend, 'list_images').length).toBe(1);
    await lib.refresh();
    await vi.waitFor(() => expect(lib.total).toBe(15_000));
    expect(lib.error).toBeNull();
    await view(lib, 14_900, 14_999);
    expect(lib.at(14_999)?.id).toBe(id(19_999));
  }, 30_000);

  it('jumps straight to a far position (the scroll bar dragged) with one request', async () => {
    const backend = installBackend({ images: 20_000 });
    const lib = new Library();
    await lib.reload();
    for (let top = 0; top <= 12_000; top += 400) await view(lib, top, top + 100);
    const before = callsOf(backend, 'list_images').length;
    await view(lib, 0, 100);
    expect(callsOf(backend, 'list_images').length).toBe(before + 1);
    expect(lib.at(0)?.id).toBe(id(0));
    await view(lib, 6_050, 6_150);
    expect(lib.at(6_100)?.id).toBe(id(6_100));
    expect(lib.items.length).toBeLessThanOrEqual(MAX_LOADED);
    // The keyboard's Home/End reach released rows through reveal().
    expect(await lib.reveal(3)).toBe(true);
    expect(lib.at(3)?.id).toBe(id(3));
    expect(await lib.reveal(lib.total + 5)).toBe(false);
  }, 30_000);

  it('Shift-selects across released rows without failing: the loaded part is selected', async () => {
    installBackend({ images: 20_000 });
    const lib = new Library();
    await lib.reload();
    lib.select(5);
    for (let top = 0; top <= 10_000; top += 300) await view(lib, top, top + 100);
    await view(lib, 10_000, 10_100);
    expect(lib.isLoaded(5)).toBe(false);
    lib.select(10_010, { range: true });
    expect(lib.focusIndex).toBe(10_010);
    expect(lib.selected.has(id(10_010))).toBe(true);
    expect(lib.selected.has(id(5))).toBe(false);
    expect(lib.selected.size).toBe(10_010 - lib.offset + 1);
    expect(lib.selectedIds[0]).toBe(id(lib.offset));
    // A Ctrl-click on a loaded row keeps the rest; the selection outlives its rows' release.
    lib.select(10_020, { toggle: true });
    const chosen = lib.selected.size;
    await view(lib, 0, 100);
    expect(lib.isLoaded(10_020)).toBe(false);
    expect(lib.selected.size).toBe(chosen);
    expect(lib.selectedIds.at(-1)).toBe(id(10_020));
    expect(lib.selection()).toMatchObject({ kind: 'ids' });
    // Shift back up from 10,020 to 3: the loaded rows of that range.
    lib.select(3, { range: true });
    expect(lib.selected.has(id(3))).toBe(true);
    expect(lib.selected.has(id(10_020))).toBe(false);
    expect(lib.selected.size).toBe(lib.items.length - 3);
  }, 30_000);

  it('refreshes deep down in place: same position, same rows, deletions gone; new images wait at the top', async () => {
    const backend = installBackend({ images: 30_000 });
    const lib = new Library();
    await lib.reload();
    for (let top = 0; top <= 15_000; top += 100) await view(lib, top, top + 100);
    expect(lib.offset).toBeLessThan(14_000);
    lib.select(15_040);
    await backend.handle('start_generation', {
      request: { provider: 'openai', model: 'gpt-image-1', prompt: 'new one', params: { n: 2 } },
      onEvent: '__CHANNEL__:1',
    });
    await vi.waitFor(() => expect(backend.images[0].prompt).toBe('new one'), { timeout: 3000 });
    await backend.handle('delete_images', { ids: [id(15_040), id(15_041)] });
    const asked = callsOf(backend, 'list_images').length;
    await lib.refresh();
    // The page in view and the loaded one before it are read again, from the first one's
    // cursor (the window ended at the page in view); the rest of the window is released.
    expect(callsOf(backend, 'list_images').length - asked).toBe(2);
    expect(lib.offset).toBe(14_800);
    expect(lib.items).toHaveLength(400);
    expect(lib.at(14_800)?.id).toBe(id(14_800));
    expect(lib.at(15_039)?.id).toBe(id(15_039));
    expect(lib.at(15_040)?.id).toBe(id(15_042));
    // The deleted image leaves the selection; no request reached past core's page limit.
    expect(lib.selected.size).toBe(0);
    expect(callsOf(backend, 'list_images').every((c) => (c.args.query as { limit: number }).limit <= 500)).toBe(true);
    // Back at the top the new images are there, and what followed is paged again.
    await view(lib, 0, 100);
    expect(lib.items.slice(0, 2).every((i) => i.prompt === 'new one')).toBe(true);
    expect(lib.at(2)?.id).toBe(id(0));
    await view(lib, 300, 500);
    expect(lib.at(402)?.id).toBe(id(400));
    expect(new Set(lib.items.map((i) => i.id)).size).toBe(lib.items.length);
  }, 30_000);

  it('deletes deep down: later rows move up, positions before stay', async () => {
    installBackend({ images: 20_000 });
    const lib = new Library();
    await lib.reload();
    for (let top = 0; top <= 9_000; top += 300) await view(lib, top, top + 100);
    await lib.delete([id(9_010)]);
    expect(lib.offset).toBeLessThanOrEqual(9_000);
    expect(lib.at(9_000)?.id).toBe(id(9_000));
    expect(lib.at(9_009)?.id).toBe(id(9_009));
    expect(lib.at(9_010)?.id).toBe(id(9_011));
    expect(lib.items.at(-1)?.id).toBe(id(lib.offset + lib.items.length));
  }, 30_000);

  it('a newer query wins over a re-fetch still on its way', async () => {
    const backend = installBackend({ images: 20_000 });
    const lib = new Library();
    await lib.reload();
    for (let top = 0; top <= 8_000; top += 300) await view(lib, top, top + 100);
    lib.show(0, 100); // scrolled back to the top: page 0 is fetched again...
    expect(lib.loading).toBe(true);
    lib.filters = { ...lib.filters, text: 'owl' };
    await lib.reload(); // ...while the user searches
    await vi.waitFor(() => expect(lib.loading).toBe(false));
    expect(lib.offset).toBe(0);
    expect(lib.items.length).toBeGreaterThan(0);
    expect(lib.items.every((i) => i.prompt.toLowerCase().includes('owl'))).toBe(true);
    expect((callsOf(backend, 'list_images').at(-1)?.args.query as { text: string }).text).toBe('owl');
    await new Promise((r) => setTimeout(r, 20));
    expect(lib.items.every((i) => i.prompt.toLowerCase().includes('owl'))).toBe(true);
  }, 30_000);
});
