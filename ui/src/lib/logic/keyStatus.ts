import type { KeyStatus } from '$lib/ipc';

/** Where the key lives, in words; the key itself is never read back. */
export function keyStatusText(key: KeyStatus, envVar: string): string {
  if (!key.present) return 'No key saved';
  switch (key.source) {
    case 'keychain': return 'Key saved in the system keychain';
    case 'file': return 'Key saved in a file only you can read (no keychain service running)';
    case 'env': return `Key from ${envVar || 'the environment'}`;
    default: return 'Key saved';
  }
}
