// The search box's side of the search language: which term the caret is in, what to suggest
// for it, and how a chosen suggestion replaces it. Parsing for real (and every error) is
// core's; this only helps typing.

/** The whitespace-separated term around the caret, with its `key:` if it has one. */
export type Term = {
  start: number;
  end: number;
  /** Lower-cased key without the colon, or null for a free word. */
  key: string | null;
  /** What follows the colon (or the whole word), quotes removed. */
  value: string;
  negated: boolean;
};

export type Suggestion = {
  /** What replaces the term. */
  insert: string;
  /** What the list shows. */
  label: string;
  detail?: string;
};

/** Term boundaries: a quoted value may hold spaces, so quotes are tracked. */
export function termAt(text: string, caret: number): Term {
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < caret && i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuote = !inQuote;
    else if (!inQuote && /\s/.test(c)) start = i + 1;
  }
  let end = caret;
  while (end < text.length) {
    if (inQuote && text[end] === '"') {
      if (text[end + 1] !== '"') break;
      end += 2; // a doubled quote inside quotes
      continue;
    }
    if (!inQuote && /\s/.test(text[end])) break;
    end++;
  }
  if (inQuote && end < text.length) end++;
  let raw = text.slice(start, end);
  let negated = false;
  if (raw.startsWith('-') && raw.length > 1) {
    negated = true;
    raw = raw.slice(1);
  }
  const m = /^([A-Za-z]+):(.*)$/s.exec(raw);
  // Inside quotes a doubled quote stands for one (`board:"Say ""hi"""`).
  const unquote = (s: string) => (s.startsWith('"') ? s.replace(/^"/, '').replace(/"$/, '').replaceAll('""', '"') : s);
  if (m) return { start, end, key: m[1].toLowerCase(), value: unquote(m[2]), negated };
  return { start, end, key: null, value: unquote(raw), negated };
}

/** A value as the language reads it back: quoted when it holds a space or a quote, with
 * each quote inside doubled. */
export function quoteValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** `board:"Spring campaign"` — what puts a board into a search. */
export function boardTerm(name: string): string {
  return `board:${quoteValue(name)}`;
}

/** The search a board view runs: the board plus what the user typed. */
export function composeQuery(board: string | null, text: string): string {
  const typed = text.trim();
  if (!board) return typed;
  return typed ? `${boardTerm(board)} ${typed}` : boardTerm(board);
}

/** Replaces the term with `insert`; returns the new text and where the caret goes. */
export function applySuggestion(text: string, term: Term, insert: string): { text: string; caret: number } {
  const before = text.slice(0, term.start) + (term.negated && !insert.includes(':') ? '-' : '');
  // A finished `key:value` gets a space after it; a bare `key:` waits for its value.
  const after = text.slice(term.end);
  const spacer = insert.endsWith(':') || after.startsWith(' ') ? '' : ' ';
  const next = `${before}${insert}${spacer}${after}`;
  return { text: next, caret: before.length + insert.length + spacer.length };
}

export type SuggestionSources = {
  keys: { key: string; help: string }[];
  tags: string[];
  boards: string[];
  models: string[];
  providers: string[];
};

/** Fixed values some keys take (as core's parser accepts them). */
const VALUES: Record<string, string[]> = {
  is: ['favorite'],
  license: ['commercial', 'noncommercial', 'unknown', 'preview', 'licensed'],
  rating: ['>=1', '>=2', '>=3', '>=4', '5', '0'],
  size: ['>=1024', '>=2048', '>=4096', '<1024'],
};

function startsWith(value: string, prefix: string): boolean {
  return value.toLowerCase().startsWith(prefix.toLowerCase());
}

/** Suggestions for the term being typed; none for a free word that matches no key. */
export function suggestionsFor(term: Term, sources: SuggestionSources, limit = 8): Suggestion[] {
  if (term.key === null) {
    if (term.value.length === 0 || term.negated) return [];
    return sources.keys
      .filter((k) => startsWith(k.key, term.value) && k.key !== term.value.toLowerCase())
      .slice(0, limit)
      .map((k) => ({ insert: `${k.key}:`, label: `${k.key}:`, detail: k.help }));
  }
  const key = term.key === 'licence' ? 'license' : term.key;
  const pool =
    key === 'tag'
      ? sources.tags
      : key === 'board'
        ? sources.boards
        : key === 'model'
          ? sources.models
          : key === 'provider'
            ? sources.providers
            : (VALUES[key] ?? []);
  return pool
    .filter((v) => startsWith(v, term.value) && v !== term.value)
    .slice(0, limit)
    .map((v) => ({ insert: `${key}:${quoteValue(v)}`, label: `${key}:${quoteValue(v)}` }));
}

/** "1,000,000 images" for the whole library, "312 matches" (or "10,000+ matches") for a search. */
export function countLabel(count: { count: number; exact: boolean }, filtered: boolean): string {
  const n = `${count.count.toLocaleString('en-US')}${count.exact ? '' : '+'}`;
  if (filtered) return `${n} ${count.count === 1 && count.exact ? 'match' : 'matches'}`;
  return `${n} ${count.count === 1 && count.exact ? 'image' : 'images'}`;
}

/** The tag a search is about when it is exactly one `tag:NAME`, else null. */
export function soleTag(text: string): string | null {
  const m = /^tag:(?:"((?:[^"]|"")+)"|([^\s"]\S*))$/i.exec(text.trim());
  return m ? (m[1]?.replaceAll('""', '"') ?? m[2]) : null;
}
