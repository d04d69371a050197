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

export const PAGE_SIZE = 200;
/** How far a "library-changed" re-query reaches; deeper scroll positions restart from the top. */
const MAX_REFRESH = 2000;
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

/** The library as loaded so far, page by page, plus the filters and the selection. */
export class Library {
  filters = $state<Filters>(emptyFilters());
  /** Raw: with 100,000 summaries, deep proxies would cost more than they give. */
  items = $state.raw<ImageSummary[]>([]);
  /** How many versions (edits, variations) stack on each loaded image; absent = none. */
  stacks = $state.raw<Record<string, number>>({});
  next = $state<string | null>(null);
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

  get hasMore(): boolean {
    return this.next !== null;
  }

  get filtered(): boolean {
    const f = this.filters;
    return !!(f.text.trim() || f.provider || f.model || f.favoritesOnly || f.commercialOnly || f.credentials || f.sinceDay || f.untilDay);
  }

  get selectedIds(): string[] {
    return this.items.filter((i) => this.selected.has(i.id)).map((i) => i.id);
  }

  /** How many images a bulk action would act on. */
  get selectionSize(): number {
    return this.allResults ? (this.count?.count ?? this.items.length) : this.selected.size;
  }

  /** The current query, every page (for "all N results" and the header's count). */
  get query(): ListQuery {
    return toListQuery(this.filters, null, PAGE_SIZE, this.board);
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
    this.selected.clear();
    this.allResults = false;
    this.focusIndex = -1;
    this.#anchor = -1;
    if (!(await this.#searchIsValid(generation))) return;
    void this.#loadCount(generation);
    await this.#fetch(generation, null, PAGE_SIZE, true);
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
    this.items = [];
    this.next = null;
    this.count = null;
    this.error = null;
    this.loading = false;
    this.loadedOnce = true;
    return false;
  }

  async #loadCount(generation: number): Promise<void> {
    try {
      const count = await api.countImages(this.query);
      if (generation === this.#generation) this.count = count;
    } catch {
      if (generation === this.#generation) this.count = null;
    }
  }

  async loadMore(): Promise<void> {
    if (this.loading || this.next === null) return;
    await this.#fetch(this.#generation, this.next, PAGE_SIZE, false);
  }

  /**
   * Re-queries what is loaded (after "library-changed") without losing the scroll position.
   * Deep in a big library only the head is re-read and joined to the loaded tail where they meet.
   */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    const old = this.items;
    const oldNext = this.next;
    const limit = Math.min(Math.max(1, Math.ceil(old.length / PAGE_SIZE)) * PAGE_SIZE, MAX_REFRESH);
    if (this.searchError) return;
    void this.#loadCount(generation);
    await this.#fetch(generation, null, limit, true);
    if (generation !== this.#generation || this.error) return;
    if (old.length > MAX_REFRESH && this.items.length === limit) {
      const last = this.items[this.items.length - 1];
      const at = old.findIndex((i) => i.id === last.id);
      if (at >= 0) {
        this.items = [...this.items, ...old.slice(at + 1)];
        this.next = oldNext;
      }
    }
    const known = new Set(this.items.map((i) => i.id));
    for (const id of [...this.selected]) if (!known.has(id)) this.selected.delete(id);
    if (this.allResults) this.selectAll();
    if (this.focusIndex >= this.items.length) this.focusIndex = this.items.length - 1;
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

  async #fetch(generation: number, cursor: string | null, limit: number, replace: boolean): Promise<void> {
    this.loading = true;
    try {
      const page = await api.listImages(toListQuery(this.filters, cursor, limit, this.board));
      if (generation !== this.#generation) return; // a newer query superseded this one
      this.items = replace ? page.images : [...this.items, ...page.images];
      this.next = page.next;
      this.error = null;
      void this.#loadStacks(generation, page.images.map((i) => i.id), replace);
    } catch (e) {
      if (generation !== this.#generation) return;
      const error = toIpcError(e);
      // Core refuses a search it cannot read (as `invalid_input`); say so by the box.
      if (error.code === 'invalid_input' && this.filters.text.trim()) {
        this.searchError = { message: error.message, start: 0, end: this.filters.text.length };
        this.items = [];
        this.next = null;
      } else this.error = error;
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.loadedOnce = true;
      }
    }
  }

  /** Click semantics of file managers: plain replaces, Ctrl/Cmd toggles, Shift extends from the anchor. */
  select(index: number, mods: { toggle?: boolean; range?: boolean } = {}): void {
    const item = this.items[index];
    if (!item) return;
    this.allResults = false;
    if (mods.range && this.#anchor >= 0) {
      const [from, to] = this.#anchor < index ? [this.#anchor, index] : [index, this.#anchor];
      if (!mods.toggle) this.selected.clear();
      for (let i = from; i <= to; i++) this.selected.add(this.items[i].id);
    } else if (mods.toggle) {
      if (this.selected.has(item.id)) this.selected.delete(item.id);
      else this.selected.add(item.id);
      this.#anchor = index;
    } else {
      this.selected.clear();
      this.selected.add(item.id);
      this.#anchor = index;
    }
    this.focusIndex = index;
  }

  selectAll(): void {
    for (const item of this.items) this.selected.add(item.id);
  }

  clearSelection(): void {
    this.selected.clear();
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
    this.selected.clear();
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

  /** Soft-deletes and drops the images from view; returns what was deleted for Undo. */
  async delete(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    await api.deleteImages(ids);
    const gone = new Set(ids);
    const focusedId = this.items[this.focusIndex]?.id;
    this.items = this.items.filter((i) => !gone.has(i.id));
    for (const id of ids) this.selected.delete(id);
    if (focusedId && gone.has(focusedId)) this.focusIndex = Math.min(this.focusIndex, this.items.length - 1);
    return ids;
  }

  async restore(ids: string[]): Promise<void> {
    await api.restoreImages(ids);
    await this.refresh();
  }

  #patch(id: string, change: Partial<ImageSummary>): void {
    const index = this.items.findIndex((i) => i.id === id);
    if (index < 0) return;
    const items = this.items.slice();
    items[index] = { ...items[index], ...change };
    this.items = items;
  }
}
