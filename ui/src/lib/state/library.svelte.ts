import { SvelteSet } from 'svelte/reactivity';
import {
  api,
  toIpcError,
  type CredentialsFilter,
  type ImageSummary,
  type IpcError,
  type ListQuery,
  type MatchCount,
  type SearchSyntaxError,
  type Selection,
  type SortOrder,
  type TrashBatch,
} from '$lib/ipc';
import { dayEnd, dayStart } from '$lib/logic/format';
import { composeQuery } from '$lib/logic/searchText';
import { markOnce } from '$lib/logic/startupMarks';

export const PAGE_SIZE = 200;
/**
 * At most this many summaries stay loaded (20 pages): about 4 MB of prompts and facts
 * whatever the size of the library, yet ~100 screens of a 6-column grid, so moving back and
 * forth near one place never waits for a page. Core accepts PAGE_SIZE (MAX_LIMIT is 500).
 */
export const MAX_LOADED = 4000;
const SEARCH_DEBOUNCE_MS = 250;

export type Filters = {
  text: string;
  provider: string | null;
  model: string | null;
  favoritesOnly: boolean;
  commercialOnly: boolean;
  /** Content Credentials: has, intact, none... (`credentials:` typed in the search wins). */
  credentials: CredentialsFilter | null;
  sinceDay: string;
  untilDay: string;
  order: SortOrder;
};

export function emptyFilters(): Filters {
  return {
    text: '',
    provider: null,
    model: null,
    favoritesOnly: false,
    commercialOnly: false,
    credentials: null,
    sinceDay: '',
    untilDay: '',
    order: 'newest_first',
  };
}

/** The board a board view shows; its images are found by `board:NAME` in the search. */
export type BoardScope = { id: number; name: string };

export function toListQuery(f: Filters, cursor: string | null, limit: number, board: BoardScope | null = null): ListQuery {
  const text = composeQuery(board?.name ?? null, f.text);
  return {
    text: text.length > 0 ? text : null,
    provider: f.provider,
    model: f.model,
    favorites_only: f.favoritesOnly,
    commercial_only: f.commercialOnly,
    credentials: f.credentials,
    since: f.sinceDay ? dayStart(f.sinceDay) : null,
    until: f.untilDay ? dayEnd(f.untilDay) : null,
    order: f.order,
    cursor,
    limit,
  };
}

type Page = { images: ImageSummary[]; next: string | null };

/**
 * The library as a window of loaded pages over the whole result list, plus the filters and
 * the selection. Positions are absolute in the result list: `items[0]` is result `offset`.
 * Every page's cursor is kept (a few bytes each), so a released page can be fetched again.
 */
export class Library {
  filters = $state<Filters>(emptyFilters());
  /** The loaded window: results `offset` .. `offset + items.length - 1`. Raw: no deep proxies. */
  items = $state.raw<ImageSummary[]>([]);
  /** How many results lie before `items[0]` (pages released at the top). */
  offset = $state(0);
  /** How many results have a known position: every page fetched so far, loaded or released. */
  total = $state(0);
  /** How many versions (edits, variations) stack on each loaded image; absent = none. */
  stacks = $state.raw<Record<string, number>>({});
  /** The cursor of the page after the last loaded one; null when that page is the list's last. */
  next = $state<string | null>(null);
  /** True while more results follow the last page fetched (positions not known yet). */
  more = $state(false);
  loading = $state(false);
  loadedOnce = $state(false);
  error = $state<IpcError | null>(null);
  /** The board a board view shows; null for the whole library. */
  board = $state<BoardScope | null>(null);
  /** How many images the query matches, from core (not how many pages are loaded). */
  count = $state<MatchCount | null>(null);
  /** Where the typed search breaks the search language; shown inline, never as no results. */
  searchError = $state<SearchSyntaxError | null>(null);
  /** "Select all N results": the selection is the whole search, loaded or not. */
  allResults = $state(false);
  selected = new SvelteSet<string>();
  focusIndex = $state(-1);
  /** Bumped when a new query replaces the list, so the grid scrolls back to the top. */
  epoch = $state(0);
  #anchor = -1;
  #generation = 0;
  #searchTimer: ReturnType<typeof setTimeout> | null = null;
  /** The cursor of page k of the current query (null for page 0), for every page reached;
   *  in a list entered anywhere, `undefined` for a page not reached yet (found by position). */
  #cursors: (string | null | undefined)[] = [null];
  /** How many images the list holds, when core can enter it anywhere (the whole library, a
   *  board, a tag): then every position has its place from the start, and a page far off
   *  is entered by its position. */
  #span: number | null = null;
  /** How many rows page k held when last fetched, for every page fetched. */
  #sizes: number[] = [];
  /** The loaded pages: page `#first` onwards, in order. */
  #loaded: ImageSummary[][] = [];
  #first = 0;
  /** The pages the view asked for last; releasing never drops them. */
  #wanted = { from: 0, to: 0 };
  /** Where each selected image stood when selected, to list released ones in order. */
  #selectedAt = new Map<string, number>();

  get hasMore(): boolean {
    return this.next !== null;
  }

  get filtered(): boolean {
    const f = this.filters;
    return !!(f.text.trim() || f.provider || f.model || f.favoritesOnly || f.commercialOnly || f.credentials || f.sinceDay || f.untilDay);
  }

  /** The selected ids in list order, released ones included. */
  get selectedIds(): string[] {
    const loaded = new Map(this.items.map((x, i) => [x.id, this.offset + i]));
    const at = (id: string) => loaded.get(id) ?? this.#selectedAt.get(id) ?? Number.MAX_SAFE_INTEGER;
    return [...this.selected].map((id) => [id, at(id)] as const).sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  /** How many images a bulk action would act on. */
  get selectionSize(): number {
    return this.allResults ? (this.count?.count ?? this.total) : this.selected.size;
  }

  /** The current query, every page (for "all N results" and the header's count). */
  get query(): ListQuery {
    return toListQuery(this.filters, null, PAGE_SIZE, this.board);
  }

  /** The result at absolute position `index`, when its page is loaded. */
  at(index: number): ImageSummary | undefined {
    return index >= this.offset ? this.items[index - this.offset] : undefined;
  }

  /** The absolute position of a loaded image, or -1. */
  indexOf(id: string): number {
    const i = this.items.findIndex((x) => x.id === id);
    return i >= 0 ? this.offset + i : -1;
  }

  isLoaded(index: number): boolean {
    return index >= this.offset && index < this.offset + this.items.length;
  }

  /** What bulk actions act on: the chosen images, or every result of the search. */
  selection(): Selection {
    return this.allResults ? { kind: 'search', query: this.query } : { kind: 'ids', ids: this.selectedIds };
  }

  /** Shows one board (or, with null, the whole library) with the current filters. */
  showBoard(board: BoardScope | null): void {
    this.board = board;
    void this.reload();
  }

  /** Runs a saved search: its text replaces what is typed, across the whole library. */
  runSearch(text: string): void {
    this.board = null;
    this.filters = { ...emptyFilters(), order: this.filters.order, text };
    void this.reload();
  }

  selectAllResults(): void {
    this.selectAll();
    this.allResults = true;
  }

  setFilters(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    void this.reload();
  }

  /** Typing in the search box: re-query once the user pauses. */
  setText(text: string): void {
    this.filters = { ...this.filters, text };
    if (this.#searchTimer) clearTimeout(this.#searchTimer);
    // A bare `key:` at the end is a value still being typed (or picked from the list): wait
    // for it rather than flash "needs a value".
    if (/(^|\s)-?[A-Za-z]+:$/.test(text)) return;
    this.#searchTimer = setTimeout(() => {
      this.#searchTimer = null;
      void this.reload();
    }, SEARCH_DEBOUNCE_MS);
  }

  clearFilters(): void {
    this.filters = { ...emptyFilters(), order: this.filters.order };
    void this.reload();
  }

  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.epoch += 1;
    this.#span = null;
    this.selected.clear();
    this.#selectedAt.clear();
    this.allResults = false;
    this.focusIndex = -1;
    this.#anchor = -1;
    // Loading from now on: the old window must not fetch pages while the search is checked.
    this.loading = true;
    if (!(await this.#searchIsValid(generation))) return;
    void this.#loadCount(generation);
    const page = await this.#fetch(generation, null);
    this.#settle(generation);
    if (!page) return;
    markOnce('easel:first-page');
    this.#cursors = [null];
    this.#sizes = [];
    this.#loaded = [];
    this.#first = 0;
    this.#wanted = { from: 0, to: 0 };
    this.#take(0, page);
    void this.#loadStacks(generation, page.images.map((i) => i.id), true);
  }

  /** Checks the typed search first, so a mistake shows where it is instead of "no images". */
  async #searchIsValid(generation: number): Promise<boolean> {
    const text = this.filters.text.trim();
    let problem: SearchSyntaxError | null = null;
    if (text) {
      try {
        problem = await api.checkSearch(this.filters.text);
      } catch {
        problem = null; // core checks again when listing
      }
    }
    if (generation !== this.#generation) return false;
    this.searchError = problem;
    if (!problem) return true;
    this.#forget();
    this.count = null;
    this.error = null;
    this.loading = false;
    this.loadedOnce = true;
    return false;
  }

  /** No results known: a search that cannot be read. */
  #forget(): void {
    this.#cursors = [null];
    this.#sizes = [];
    this.#loaded = [];
    this.#first = 0;
    this.items = [];
    this.offset = 0;
    this.total = 0;
    this.next = null;
    this.more = false;
  }

  async #loadCount(generation: number): Promise<void> {
    const count = await api.countImages(this.query).catch((): MatchCount | null => null);
    if (generation !== this.#generation) return;
    this.count = count;
    // Core keeps counts by time for the whole library, a board and a tag: such a list can be
    // entered anywhere, so every position gets its place now.
    this.#span = count?.exact && count.any_position ? count.count : null;
    // While pages are on their way, the page that arrives publishes the span with itself.
    if (!this.loading && this.#sizes.length > 0) this.#publish();
  }

  /** Loads the page after the loaded window. */
  async loadMore(): Promise<void> {
    if (this.loading || this.next === null) return;
    const k = this.#first + this.#loaded.length;
    this.#wanted = { from: k, to: k };
    await this.#loadPage(this.#generation, k);
  }

  /**
   * The view shows results `from` .. `to - 1` (absolute, a margin included): loads the page
   * they need next, one request at a time, and releases pages far from them. The caller asks
   * again once `loading` drops, until everything in view is loaded.
   */
  show(from: number, to: number): void {
    if (this.loading || !this.loadedOnce || this.error || this.searchError) return;
    const pages = this.#cursors.length; // pages with a known start, fetched or next in line
    if (pages === 0 || this.#sizes.length === 0) return;
    const a = this.#pageOf(Math.max(0, from));
    const b = Math.max(a, this.#pageOf(Math.max(0, to - 1)));
    this.#wanted = { from: a, to: b };
    const lo = this.#first;
    const hi = this.#first + this.#loaded.length; // exclusive
    let k: number | null = null;
    if (a >= lo && b < hi) k = null;
    else if (this.#loaded.length > 0 && a <= hi && b >= lo - 1) k = b >= hi ? (hi < pages ? hi : a < lo ? lo - 1 : null) : lo - 1;
    else k = a < pages ? a : null;
    if (k !== null) void this.#loadPage(this.#generation, k);
  }

  /** Makes sure the row at `index` is loaded (keyboard moves into released rows); false if it cannot be. */
  async reveal(index: number): Promise<boolean> {
    for (let tries = 0; tries < 3 && !this.isLoaded(index); tries++) {
      if (index < 0 || index >= this.total) return false;
      if (this.loading) {
        await this.#settled();
        continue;
      }
      const k = this.#pageOf(index);
      this.#wanted = { from: k, to: k };
      await this.#loadPage(this.#generation, k);
    }
    return this.isLoaded(index);
  }

  #settled(): Promise<void> {
    return new Promise((resolve) => {
      const poll = () => (this.loading ? setTimeout(poll, 10) : resolve());
      poll();
    });
  }

  /** The page holding absolute position `index`; past the known rows, the next page to fetch. */
  #pageOf(index: number): number {
    let start = 0;
    for (let k = 0; k < this.#sizes.length; k++) {
      if (index < start + this.#sizes[k]) return k;
      start += this.#sizes[k];
    }
    return Math.min(this.#sizes.length, this.#cursors.length - 1);
  }

  #pageStart(k: number): number {
    let start = 0;
    for (let i = 0; i < k && i < this.#sizes.length; i++) start += this.#sizes[i];
    return start;
  }

  /** Fetches page k by its cursor and puts it in the window (next to it, or in its place);
   *  in a list entered anywhere, a page not reached yet is first found by its position. */
  async #loadPage(generation: number, k: number): Promise<void> {
    if (k < 0 || k >= this.#cursors.length) return;
    this.loading = true;
    let cursor = this.#cursors[k];
    if (cursor === undefined) {
      cursor = await this.#cursorAt(generation, this.#pageStart(k));
      if (cursor === undefined) return this.#settle(generation);
      this.#cursors[k] = cursor;
    }
    const page = await this.#fetch(generation, cursor);
    this.#settle(generation);
    if (!page) return;
    this.#take(k, page);
    void this.#loadStacks(generation, page.images.map((i) => i.id), false);
  }

  /**
   * Records page k as fetched and puts it in the loaded window. When its end no longer meets
   * the next page's cursor, the list changed after it: what was known beyond is forgotten.
   */
  #take(k: number, page: Page): void {
    this.#sizes[k] = page.images.length;
    const known = this.#cursors[k + 1];
    if (known === undefined && this.#span !== null) {
      // A list entered anywhere: the next page's start is learnt, nothing beyond is forgotten.
      if (page.next !== null) this.#cursors[k + 1] = page.next;
    } else if (known === undefined || page.next !== known) {
      this.#cursors.length = k + 1;
      this.#sizes.length = k + 1;
      if (page.next !== null) this.#cursors.push(page.next);
      this.#loaded.length = Math.max(0, Math.min(this.#loaded.length, k - this.#first));
    }
    const hi = this.#first + this.#loaded.length;
    if (this.#loaded.length === 0 || k > hi || k < this.#first - 1) {
      this.#loaded = [page.images];
      this.#first = k;
    } else if (k === hi) this.#loaded.push(page.images);
    else if (k === this.#first - 1) {
      this.#loaded.unshift(page.images);
      this.#first = k;
    } else this.#loaded[k - this.#first] = page.images;
    this.#release(k);
    this.#publish();
  }

  /** Keeps at most MAX_LOADED rows, dropping pages on the far side from the one just loaded. */
  #release(justLoaded: number): void {
    const rows = () => this.#loaded.reduce((n, p) => n + p.length, 0);
    const { from, to } = this.#wanted;
    const keep = (k: number) => k === justLoaded || (k >= from && k <= to);
    let dropped = false;
    while (this.#loaded.length > 1 && rows() > MAX_LOADED) {
      const top = this.#first;
      const bottom = this.#first + this.#loaded.length - 1;
      const fromTop = justLoaded > (top + bottom) / 2;
      if (fromTop && !keep(top)) {
        this.#loaded.shift();
        this.#first += 1;
      } else if (!fromTop && !keep(bottom)) this.#loaded.pop();
      else if (!keep(top)) {
        this.#loaded.shift();
        this.#first += 1;
      } else if (!keep(bottom)) this.#loaded.pop();
      else break;
      dropped = true;
    }
    if (dropped) {
      const loaded = new Set(this.#loaded.flat().map((i) => i.id));
      this.stacks = Object.fromEntries(Object.entries(this.stacks).filter(([id]) => loaded.has(id)));
    }
  }

  /** Shows the loaded window: items, where they start, what is known and what follows. */
  #publish(): void {
    this.#placeEveryPage();
    this.items = this.#loaded.flat();
    this.offset = this.#pageStart(this.#first);
    this.total = this.#pageStart(this.#sizes.length);
    this.next = this.#cursors[this.#first + this.#loaded.length] ?? null;
    this.more = this.#cursors.length > this.#sizes.length;
    if (this.focusIndex >= this.total) this.focusIndex = this.total - 1;
  }

  /** In a list entered anywhere, every page has its place from the start: PAGE_SIZE rows
   *  each (the last the rest), its cursor found by position when it is first needed. */
  #placeEveryPage(): void {
    // An empty library is its one empty page, as fetched.
    if (this.#span === null || this.#span === 0) return;
    const pages = Math.ceil(this.#span / PAGE_SIZE);
    this.#sizes.length = Math.min(this.#sizes.length, pages);
    for (let k = this.#sizes.length; k < pages; k++) this.#sizes[k] = Math.min(PAGE_SIZE, this.#span - k * PAGE_SIZE);
    this.#cursors.length = Math.max(1, pages);
    if (this.#first + this.#loaded.length > pages) this.#loaded.length = Math.max(0, pages - this.#first);
  }

  /**
   * Re-queries what is shown (after "library-changed") without losing the scroll position:
   * the pages in view, and one on each side, are read again page by page from the cursor of
   * the first of them; the rest of the window is released (its cursors kept). A few requests
   * however big the window, so that a stream of changes (an import) cannot starve it. At the
   * top the first cursor is the start of the list, so new images appear there.
   */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    if (this.searchError) return;
    void this.#loadCount(generation);
    const last = this.#first + Math.max(1, this.#loaded.length) - 1;
    const clamp = (k: number) => Math.min(last, Math.max(this.#first, k));
    const first = clamp(this.#wanted.from - 1);
    const count = clamp(this.#wanted.to + 1) - first + 1;
    const before = this.items;
    const pages: Page[] = [];
    this.loading = true;
    let cursor = this.#cursors[first] ?? null;
    for (let i = 0; i < count; i++) {
      const page = await this.#fetch(generation, cursor);
      if (!page) return this.#settle(generation);
      pages.push(page);
      if (page.next === null) break;
      cursor = page.next;
    }
    const end = first + pages.length;
    const known = this.#cursors[end];
    const final = pages[pages.length - 1];
    for (let i = 0; i < pages.length - 1; i++) {
      this.#sizes[first + i] = pages[i].images.length;
      this.#cursors[first + i + 1] = pages[i].next;
    }
    this.#sizes[end - 1] = final.images.length;
    if (known === undefined || final.next !== known) {
      this.#cursors.length = end;
      this.#sizes.length = end;
      if (final.next !== null) this.#cursors.push(final.next);
    }
    this.#first = first;
    this.#loaded = pages.map((p) => p.images);
    this.#publish();
    this.#settle(generation);
    void this.#loadStacks(generation, this.items.map((i) => i.id), true);
    this.#forgetGone(before);
    if (this.allResults) this.selectAll();
  }

  /** Drops from the selection what was loaded before a re-read and is gone from its span now. */
  #forgetGone(before: ImageSummary[]): void {
    if (this.items.length === 0 || this.selected.size === 0) return;
    const now = new Set(this.items.map((i) => i.id));
    const head = this.offset === 0 ? null : this.items[0];
    const tail = this.next === null ? null : this.items[this.items.length - 1];
    const newestFirst = this.filters.order !== 'oldest_first';
    // Before `b` in list order: newer first (or older first), ties broken by id as core does.
    const precedes = (a: ImageSummary, b: ImageSummary) => {
      const c = a.created_at === b.created_at ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.created_at < b.created_at ? -1 : 1;
      return newestFirst ? c > 0 : c < 0;
    };
    for (const item of before) {
      if (!this.selected.has(item.id) || now.has(item.id)) continue;
      const inside = (!head || !precedes(item, head)) && (!tail || !precedes(tail, item));
      if (inside) {
        this.selected.delete(item.id);
        this.#selectedAt.delete(item.id);
      }
    }
  }

  /** Records a favourite change made elsewhere (the image view) without re-querying. */
  markFavorite(id: string, favorite: boolean): void {
    this.#patch(id, { favorite });
  }

  /** The stack badges of a page; a failure only leaves the badges out. */
  async #loadStacks(generation: number, ids: string[], replace: boolean): Promise<void> {
    try {
      const counts = await api.stackCounts(ids);
      if (generation !== this.#generation) return;
      const found = Object.fromEntries(counts.map((c) => [c.image_id, c.count]));
      this.stacks = replace ? found : { ...this.stacks, ...found };
    } catch {
      // Badges are a convenience; the images themselves are listed either way.
    }
  }

  /** The cursor that starts the list at `position`; undefined when a newer query
   *  superseded it or it failed (the error shows as a failed page would). */
  async #cursorAt(generation: number, position: number): Promise<string | null | undefined> {
    try {
      const cursor = await api.cursorAt(this.query, position);
      return generation === this.#generation ? cursor : undefined;
    } catch (e) {
      if (generation === this.#generation) this.error = toIpcError(e);
      return undefined;
    }
  }

  /** One page of the current query; null when a newer query superseded it or it failed. */
  async #fetch(generation: number, cursor: string | null): Promise<Page | null> {
    try {
      const page = await api.listImages(toListQuery(this.filters, cursor, PAGE_SIZE, this.board));
      if (generation !== this.#generation) return null; // a newer query superseded this one
      this.error = null;
      return page;
    } catch (e) {
      if (generation !== this.#generation) return null;
      const error = toIpcError(e);
      // Core refuses a search it cannot read (as `invalid_input`); say so by the box.
      if (error.code === 'invalid_input' && this.filters.text.trim()) {
        this.searchError = { message: error.message, start: 0, end: this.filters.text.length };
        this.#forget();
      } else this.error = error;
      return null;
    }
  }

  /** The request (or series of them) of `generation` is over. */
  #settle(generation: number): void {
    if (generation !== this.#generation) return;
    this.loading = false;
    this.loadedOnce = true;
  }

  /**
   * Click semantics of file managers: plain replaces, Ctrl/Cmd toggles, Shift extends from the
   * anchor. Indexes are absolute; a range reaching into released rows selects the loaded part.
   */
  select(index: number, mods: { toggle?: boolean; range?: boolean } = {}): void {
    const item = this.at(index);
    if (!item) return;
    this.allResults = false;
    if (mods.range && this.#anchor >= 0) {
      const [from, to] = this.#anchor < index ? [this.#anchor, index] : [index, this.#anchor];
      if (!mods.toggle) this.#clearSelected();
      const lo = Math.max(from, this.offset);
      const hi = Math.min(to, this.offset + this.items.length - 1);
      for (let i = lo; i <= hi; i++) this.#add(this.items[i - this.offset].id, i);
    } else if (mods.toggle) {
      if (this.selected.has(item.id)) this.selected.delete(item.id);
      else this.#add(item.id, index);
      this.#anchor = index;
    } else {
      this.#clearSelected();
      this.#add(item.id, index);
      this.#anchor = index;
    }
    this.focusIndex = index;
  }

  #add(id: string, index: number): void {
    this.selected.add(id);
    this.#selectedAt.set(id, index);
  }

  #clearSelected(): void {
    this.selected.clear();
    this.#selectedAt.clear();
  }

  /** Selects every loaded image; "select all N results" (`selectAllResults`) reaches the rest. */
  selectAll(): void {
    this.items.forEach((item, i) => this.#add(item.id, this.offset + i));
  }

  clearSelection(): void {
    this.#clearSelected();
    this.allResults = false;
  }

  /** Bulk actions: each acts on `selection()` and re-reads what is shown. Return how many changed. */
  async addSelectionToBoard(boardId: number): Promise<number> {
    return api.addToBoard(boardId, this.selection());
  }

  async tagSelection(names: string[]): Promise<number> {
    const n = await api.addTags(this.selection(), names);
    await this.refresh();
    return n;
  }

  async rateSelection(rating: number): Promise<number> {
    const n = await api.setRating(this.selection(), rating);
    await this.refresh();
    return n;
  }

  async favoriteSelection(favorite: boolean): Promise<number> {
    const n = await api.setFavorites(this.selection(), favorite);
    await this.refresh();
    return n;
  }

  /** Moves the selection to the trash as one batch; `undoDelete(batch)` brings it back. */
  async deleteSelection(): Promise<TrashBatch> {
    const batch = await api.deleteSelection(this.selection());
    this.#clearSelected();
    this.allResults = false;
    await this.refresh();
    return batch;
  }

  async undoDelete(batch: TrashBatch): Promise<void> {
    await api.undoDelete(batch);
    await this.refresh();
  }

  /** The ids of the selection in list order, for export. */
  async selectionIds(): Promise<string[]> {
    return this.allResults ? api.selectionIds(this.selection()) : this.selectedIds;
  }

  async setFavorite(id: string, favorite: boolean): Promise<void> {
    this.#patch(id, { favorite });
    try {
      await api.setFavorite(id, favorite);
    } catch (e) {
      this.#patch(id, { favorite: !favorite });
      throw toIpcError(e);
    }
  }

  /**
   * Soft-deletes and drops the images from view; returns what was deleted for Undo. The
   * loaded window is read again, as dropping rows moves every later position.
   */
  async delete(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    await api.deleteImages(ids);
    for (const id of ids) {
      this.selected.delete(id);
      this.#selectedAt.delete(id);
    }
    await this.refresh();
    return ids;
  }

  async restore(ids: string[]): Promise<void> {
    await api.restoreImages(ids);
    await this.refresh();
  }

  #patch(id: string, change: Partial<ImageSummary>): void {
    for (const page of this.#loaded) {
      const index = page.findIndex((i) => i.id === id);
      if (index < 0) continue;
      page[index] = { ...page[index], ...change };
      this.items = this.#loaded.flat();
      return;
    }
  }
}
