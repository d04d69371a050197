// How an import's progress and summary read in the window.
import type { ImportProgress, ImportSummary } from '$lib/ipc';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "120 of 1,000 files" while it runs; the bar's fraction alongside (null while counting). */
export function progressText(p: ImportProgress | null): { text: string; fraction: number | null } {
  if (!p || p.total === 0) return { text: 'Looking for images…', fraction: null };
  return { text: `${p.done.toLocaleString('en-US')} of ${plural(p.total, 'file')}`, fraction: Math.min(1, p.done / p.total) };
}

/** One line: what the import did, most important first. */
export function summaryHeadline(s: ImportSummary): string {
  const parts = [`Imported ${plural(s.imported.length, 'image')}`];
  if (s.duplicates.length > 0) parts.push(`${plural(s.duplicates.length, 'duplicate')} skipped`);
  if (s.unreadable.length > 0) parts.push(`${plural(s.unreadable.length, 'file')} could not be read`);
  if (s.ignored > 0) parts.push(`${plural(s.ignored, 'other file')} ignored (not PNG, JPEG or WebP)`);
  let line = parts.join(' · ');
  if (s.cancelled) line += `. Cancelled: ${plural(s.not_started, 'file')} left; import the same folder again to go on`;
  return `${line}.`;
}

/** The tail of a path, for lists where the whole path would not fit. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** Why a duplicate was skipped, in words. */
export function duplicateReason(reason: string): string {
  return reason === 'already_imported' ? 'imported before' : reason === 'same_bytes' ? 'same image already in the library' : reason;
}
