import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { applySuggestion, boardTerm, composeQuery, countLabel, soleTag, suggestionsFor, termAt } from '$lib/logic/searchText';
import { Library } from '$lib/state/library.svelte';
import { Organiser } from '$lib/state/organise.svelte';
import { callsOf, disposeBackend, installBackend } from './harness';

afterEach(() => {
  disposeBackend();
  clearMocks();
});

const sources = {
  keys: [
    { key: 'tag', help: 'tag:NAME — images with this tag' },
    { key: 'board', help: 'board:NAME — images on this board' },
    { key: 'before', help: 'before:YYYY-MM-DD — made before that day' },
    { key: 'is', help: 'is:favorite — favourites only' },
  ],
  tags: ['hero', 'Heron', 'draft'],
  boards: ['Spring campaign', 'Covers'],
  models: ['gpt-image-1'],
  providers: ['openai'],
};

describe('the search box side of the search language', () => {
  it('finds the term at the caret, with its key, through quotes and minus', () => {
    expect(termAt('fox tag:dr', 10)).toEqual({ start: 4, end: 10, key: 'tag', value: 'dr', negated: false });
    expect(termAt('fox tag:dr', 2)).toEqual({ start: 0, end: 3, key: null, value: 'fox', negated: false });
    expect(termAt('board:"Spring ca', 16)).toMatchObject({ start: 0, key: 'board', value: 'Spring ca' });
    expect(termAt('a -winter', 9)).toMatchObject({ key: null, value: 'winter', negated: true });
    expect(termAt('', 0)).toMatchObject({ start: 0, end: 0, key: null, value: '' });
  });

  it('suggests keys for a bare word and values for a key', () => {
    expect(suggestionsFor(termAt('b', 1), sources).map((s) => s.insert)).toEqual(['board:', 'before:']);
    expect(suggestionsFor(termAt('ta', 2), sources)[0]).toMatchObject({ insert: 'tag:', detail: 'tag:NAME — images with this tag' });
    // Tags as core gives them (most used first), matched ignoring case.
    expect(suggestionsFor(termAt('tag:he', 6), sources).map((s) => s.insert)).toEqual(['tag:hero', 'tag:Heron']);
    // A board with a space is quoted, so the language reads it back whole.
    expect(suggestionsFor(termAt('board:sp', 8), sources).map((s) => s.insert)).toEqual(['board:"Spring campaign"']);
    expect(suggestionsFor(termAt('is:', 3), sources).map((s) => s.insert)).toEqual(['is:favorite']);
    expect(suggestionsFor(termAt('license:c', 9), sources).map((s) => s.insert)).toEqual(['license:commercial']);
    // Nothing for plain words, a finished value, or an unknown key (core reports that).
    expect(suggestionsFor(termAt('fox', 3), sources)).toEqual([]);
    expect(suggestionsFor(termAt('tag:draft', 9), sources)).toEqual([]);
    expect(suggestionsFor(termAt('colour:r', 8), sources)).toEqual([]);
  });

  it('replaces the term with the chosen suggestion and places the caret', () => {
    const text = 'fox ta rating:>=4';
    const term = termAt(text, 6);
    expect(applySuggestion(text, term, 'tag:')).toEqual({ text: 'fox tag: rating:>=4', caret: 8 });
    const done = applySuggestion('tag:he', termAt('tag:he', 6), 'tag:hero');
    expect(done).toEqual({ text: 'tag:hero ', caret: 9 });
  });

  it('puts a board in front of what is typed, quoted when needed', () => {
    expect(boardTerm('Covers')).toBe('board:Covers');
    expect(boardTerm('Spring campaign')).toBe('board:"Spring campaign"');
    expect(boardTerm('Say "hi"')).toBe('board:"Say ""hi"""');
    expect(boardTerm('"quoted"')).toBe('board:"""quoted"""');
    expect(termAt('board:"Say ""hi""" fox', 8).value).toBe('Say "hi"');
    expect(soleTag('tag:"a ""b"""')).toBe('a "b"');
    expect(soleTag('tag:plain')).toBe('plain');
    expect(composeQuery('Spring campaign', ' fox ')).toBe('board:"Spring campaign" fox');
    expect(composeQuery(null, ' fox ')).toBe('fox');
    expect(composeQuery('Covers', '')).toBe('board:Covers');
  });

  it('knows when a search is exactly one tag (to offer renaming it)', () => {
    expect(soleTag(' tag:hero ')).toBe('hero');
    expect(soleTag('tag:"hero shot"')).toBe('hero shot');
    expect(soleTag('tag:hero fox')).toBeNull();
    expect(soleTag('fox')).toBeNull();
  });

  it('says how many images match, from core, not how many are loaded', () => {
    expect(countLabel({ count: 1_000_000, exact: true }, false)).toBe('1,000,000 images');
    expect(countLabel({ count: 312, exact: true }, true)).toBe('312 matches');
    expect(countLabel({ count: 1, exact: true }, true)).toBe('1 match');
    expect(countLabel({ count: 10_000, exact: false }, true)).toBe('10,000+ matches');
    expect(countLabel({ count: 1, exact: true }, false)).toBe('1 image');
  });
});

describe('library state with the search language', () => {
  it('waits for the value of a bare key being typed instead of flashing an error', async () => {
    const backend = installBackend({ images: 50 });
    vi.useFakeTimers();
    const lib = new Library();
    lib.setText('fox tag:');
    await vi.advanceTimersByTimeAsync(400);
    expect(callsOf(backend, 'check_search')).toHaveLength(0);
    expect(callsOf(backend, 'list_images')).toHaveLength(0);
    lib.setText('fox tag:d');
    await vi.advanceTimersByTimeAsync(400);
    vi.useRealTimers();
    await vi.waitFor(() => expect(lib.loading).toBe(false));
    expect((callsOf(backend, 'list_images').at(-1)?.args.query as { text: string }).text).toBe('fox tag:d');
    expect(lib.searchError).toBeNull();
  });

  it('counts matches with core and shows an unknown key as a search error, not an empty result', async () => {
    const backend = installBackend({ images: 450 });
    const lib = new Library();
    await lib.reload();
    await expect.poll(() => lib.count).toEqual({ count: 450, exact: true, any_position: true });
    lib.filters = { ...lib.filters, text: 'fox colour:red' };
    await lib.reload();
    expect(lib.searchError).toMatchObject({ start: 4, end: 14 });
    expect(lib.searchError?.message).toContain('"colour:" is not a search key');
    expect(lib.items).toEqual([]);
    expect(lib.error).toBeNull();
    // The broken search never reaches list_images.
    expect(callsOf(backend, 'list_images').some((c) => (c.args.query as { text: string | null }).text?.includes('colour'))).toBe(false);
    lib.filters = { ...lib.filters, text: 'fox' };
    await lib.reload();
    expect(lib.searchError).toBeNull();
    expect(lib.items.length).toBeGreaterThan(0);
  });

  it('shows a board by adding board:NAME to the search, and bulk actions act on the selection or on all results', async () => {
    const backend = installBackend({ images: 450 });
    const org = new Organiser();
    await org.load();
    const board = await org.createBoard('Spring campaign');
    const lib = new Library();
    await lib.reload();
    lib.select(0);
    lib.select(1, { toggle: true });
    expect(lib.selection()).toEqual({ kind: 'ids', ids: ['img-000000', 'img-000001'] });
    expect(await lib.addSelectionToBoard(board.id)).toBe(2);
    await org.refreshBoards();
    expect(org.boards[0].image_count).toBe(2);

    lib.showBoard({ id: board.id, name: board.name });
    await expect.poll(() => lib.items.length).toBe(2);
    const last = callsOf(backend, 'list_images').at(-1)!.args.query as { text: string };
    expect(last.text).toBe('board:"Spring campaign"');
    await expect.poll(() => lib.count?.count).toBe(2);

    // All results of a search, loaded or not.
    lib.showBoard(null);
    lib.filters = { ...lib.filters, text: 'fox' };
    await lib.reload();
    await expect.poll(() => lib.count?.count).toBeGreaterThan(0);
    const matches = lib.count!.count;
    lib.selectAllResults();
    expect(lib.selectionSize).toBe(matches);
    expect(lib.selection()).toMatchObject({ kind: 'search', query: { text: 'fox' } });
    expect(await lib.tagSelection(['Fox'])).toBe(matches);
    const batch = await lib.deleteSelection();
    expect(batch.count).toBe(matches);
    expect(lib.items).toEqual([]);
    await lib.undoDelete(batch);
    expect(lib.items.length).toBeGreaterThan(0);
    lib.filters = { ...lib.filters, text: 'tag:fox' };
    await lib.reload();
    await expect.poll(() => lib.count?.count).toBe(matches);
  });
});
