import type { CredentialField, KeyStatus } from '$lib/ipc';

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

/** Where one credential field comes from, in words. Never its value. */
export function fieldStatusText(field: CredentialField): string {
  if (!field.present) return 'not set';
  switch (field.source) {
    case 'keychain': return 'saved in the system keychain';
    case 'file': return 'saved in a file only you can read (no keychain service running)';
    case 'env': return `from ${field.env_var} (overrides a saved value)`;
    default: return 'saved';
  }
}

/** One line for a provider card: set up or not, and where each field comes from. */
export function credentialsStatusText(fields: CredentialField[]): string {
  if (fields.length === 0) return 'Needs no credentials';
  const set = fields.filter((f) => f.present);
  const head = set.length === fields.length ? 'Set up' : set.length === 0 ? 'Not set up' : 'Partly set up';
  const parts = fields.map((f) => `${f.label} ${fieldStatusText(f)}`);
  return `${head} — ${parts.join('; ')}`;
}

/** True when Delete has something to remove: a field stored by Easel, not only in the environment. */
export function hasStoredCredential(fields: CredentialField[]): boolean {
  return fields.some((f) => f.present && f.source !== 'env');
}
