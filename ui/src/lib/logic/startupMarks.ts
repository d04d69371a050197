/** User Timing marks of a window's start-up, for the window benchmark (`window_scale`) and
 *  the web inspector; each is set once per window and costs nothing after. */
export type StartupMark = 'easel:first-thumbnail';

const marked = new Set<StartupMark>();

export function markOnce(name: StartupMark): void {
  if (marked.has(name) || typeof performance === 'undefined') return;
  marked.add(name);
  performance.mark(name);
}
