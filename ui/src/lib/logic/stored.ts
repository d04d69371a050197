/** Small values this window keeps across restarts, in the web view's own storage (never sent
 *  anywhere). Storage can be missing or refuse (tests, private mode, a full quota): reads
 *  then give null and writes are dropped, since everything kept here is a convenience. */

export function readStored(key: string): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** `null` forgets the key. */
export function writeStored(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Dropped: see above.
  }
}
