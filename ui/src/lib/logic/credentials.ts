// How the window names the parts of an image's Content Credentials. The sentence itself comes
// from core (`CredentialsReport.sentence`) so the CLI and the window say the same thing.
import type { CredentialsState } from '$lib/ipc';

/** A short word for the state, for the badge beside the sentence. */
export function stateLabel(state: CredentialsState | null): string {
  switch (state) {
    case 'trusted': return 'Intact · trusted signer';
    case 'valid': return 'Intact · unknown signer';
    case 'invalid': return 'Not intact';
    case 'none': return 'None';
    default: return 'Not read yet';
  }
}

/** IPTC digital source types are URIs; the last segment in words reads better. */
export function sourceTypeLabel(uri: string): string {
  const term = uri.split('/').filter(Boolean).pop() ?? uri;
  const words = term.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `c2pa.resized` -> "Resized"; actions from other namespaces keep their full name. */
export function actionLabel(action: string): string {
  const m = /^c2pa\.([a-z_.]+)$/i.exec(action);
  if (!m) return action;
  const words = m[1].replace(/[_.]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `parentOf` -> "parent"; unknown relationships stay as written. */
export function relationshipLabel(relationship: string | null): string | null {
  if (relationship === null) return null;
  return ({ parentOf: 'parent', componentOf: 'component', inputTo: 'input' } as Record<string, string>)[relationship] ?? relationship;
}
