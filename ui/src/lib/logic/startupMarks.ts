/** User Timing marks of a window's start-up, for the window benchmark (`window_scale`) and
 *  the web inspector; each is set once per window and costs nothing after. */
export type StartupMark =
  /** The bundle has been read and run, just before the app is mounted. */
  | 'easel:script'
  /** The Library's first page has arrived from the backend. */
  | 'easel:first-page'
  /** The grid's first thumbnail has loaded. */
  | 'easel:first-thumbnail';

const marked = new Set<StartupMark>();

export function markOnce(name: StartupMark): void {
  if (marked.has(name) || typeof performance === 'undefined') return;
  marked.add(name);
  performance.mark(name);
}
