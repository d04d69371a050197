import { SvelteSet } from 'svelte/reactivity';
import { api, toIpcError, type ImageSummary, type IpcError, type ListQuery, type SortOrder } from '$lib/ipc';
import { dayEnd, dayStart } from '$lib/logic/format';

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
    sinceDay: '',
    untilDay: '',
    order: 'newest_first',
  };
}

export function toListQuery(f: Filters, cursor: string | null, limit: number): ListQuery {
  const text = f.text.trim();
  return {
    text: text.length > 0 ? text : null,
    provider: f.provider,
    model: f.model,
    favorites_only: f.favoritesOnly,
    commercial_only: f.commercialOnly,
    // Content Credentials are filtered with `credentials:` in the search text.
    credentials: null,
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
    return !!(f.text.trim() || f.provider || f.model || f.favoritesOnly || f.commercialOnly || f.sinceDay || f.untilDay);
  }

  get selectedIds(): string[] {
    return this.items.filter((i) => this.selected.has(i.id)).map((i) => i.id);
  }

  setFilters(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    void this.reload();
  }

  /** Typing in the search box: re-query once the user pauses. */
  setText(text: string): void {
    this.filters = { ...this.filters, text };
    if (this.#searchTimer) clearTimeout(this.#searchTimer);
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
    this.focusIndex = -1;
    this.#anchor = -1;
    await this.#fetch(generation, null, PAGE_SIZE, true);
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
      const page = await api.listImages(toListQuery(this.filters, cursor, limit));
      if (generation !== this.#generation) return; // a newer query superseded this one
      this.items = replace ? page.images : [...this.items, ...page.images];
      this.next = page.next;
      this.error = null;
      void this.#loadStacks(generation, page.images.map((i) => i.id), replace);
    } catch (e) {
      if (generation === this.#generation) this.error = toIpcError(e);
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
