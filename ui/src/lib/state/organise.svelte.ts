import { api, toIpcError, type Board, type IpcError, type SavedSearch, type SearchKey, type TagCount } from '$lib/ipc';

/** How many of the most used tags the sidebar lists. */
export const SIDEBAR_TAGS = 12;

/** Boards and saved searches for the sidebar, and the search language's keys; kept fresh by
 *  reloading after every change the app makes or hears of. */
export class Organiser {
  boards = $state.raw<Board[]>([]);
  saved = $state.raw<SavedSearch[]>([]);
  keys = $state.raw<SearchKey[]>([]);
  /** The most used tags, with counts. */
  tags = $state.raw<TagCount[]>([]);
  error = $state<IpcError | null>(null);

  async load(): Promise<void> {
    try {
      const [boards, saved, keys, tags] = await Promise.all([
        api.listBoards(),
        api.listSavedSearches(),
        api.searchKeys(),
        api.listTags('', SIDEBAR_TAGS),
      ]);
      this.boards = boards;
      this.tags = tags;
      this.saved = saved;
      this.keys = keys;
      this.error = null;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Counts and covers move whenever images change. */
  async refreshBoards(): Promise<void> {
    try {
      const [boards, tags] = await Promise.all([api.listBoards(), api.listTags('', SIDEBAR_TAGS)]);
      this.boards = boards;
      this.tags = tags;
    } catch (e) {
      this.error = toIpcError(e);
    }
  }

  /** Renames a tag everywhere (merging it into `to` when that tag exists). */
  async renameTag(from: string, to: string): Promise<TagCount> {
    const tag = await api.renameTag(from, to);
    await this.refreshBoards();
    return tag;
  }

  board(id: number): Board | undefined {
    return this.boards.find((b) => b.id === id);
  }

  async createBoard(name: string): Promise<Board> {
    const board = await api.createBoard(name);
    await this.refreshBoards();
    return board;
  }

  async renameBoard(id: number, name: string): Promise<Board> {
    const board = await api.renameBoard(id, name);
    await this.refreshBoards();
    return board;
  }

  async deleteBoard(id: number): Promise<void> {
    await api.deleteBoard(id);
    this.boards = this.boards.filter((b) => b.id !== id);
  }

  async saveSearch(name: string, query: string): Promise<SavedSearch> {
    const saved = await api.saveSearch(name, query);
    this.saved = await api.listSavedSearches();
    return saved;
  }

  async deleteSearch(name: string): Promise<void> {
    await api.deleteSavedSearch(name);
    this.saved = this.saved.filter((s) => s.name !== name);
  }
}
