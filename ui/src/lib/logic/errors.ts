import type { ErrorPayload } from '$lib/ipc';

/** One line a person can act on, per stable error code. */
const HEADLINES: Record<string, string> = {
  rate_limited: 'The provider is limiting requests — wait a moment and try again',
  quota_exhausted: 'Quota used up — check billing on your provider account',
  rejected_by_safety: "Prompt refused by the provider's safety system",
  auth: 'The API key was rejected — check it in Settings',
  network: "Can't reach the provider — check your connection",
  timeout: 'The provider took too long to answer — try again',
  engine_unreachable: 'The local engine does not answer — start it, or check its address',
  engine_api_off: 'The engine answers but its API is off — restart it with --api',
  workflow: 'The ComfyUI workflow cannot be used as it is',
  cancelled: 'Cancelled',
  not_found: 'Not found — it may have been deleted',
  provider_error: 'The provider reported an error — try again later',
  bad_response: "The provider's answer could not be understood",
  not_an_image: 'The provider sent something that is not a readable image',
  expired: "The provider's link to the result has expired — generate again",
  image_too_large: 'The image is too large to open safely',
  database_too_new: 'This library was made by a newer Easel — update the app',
  database: 'The library database failed',
  io: 'Could not read or write a file',
  keychain: 'The system keychain failed',
  export: 'Export failed',
  disk_full: 'The disk is full — free some space; browsing still works',
  read_only: 'The library is read-only — browsing works, changes cannot be saved',
  damaged: 'The original file is damaged — restore it from a backup',
  partly_stored: 'Not every image could be stored — the ones shown were kept',
  insecure_permissions: 'A settings or key file can be changed by other users — fix its permissions',
};

export type ErrorText = { headline: string; detail: string | null };

/** Headline per code plus the full message; `invalid_input` has no better text than its own. */
export function errorText(error: ErrorPayload): ErrorText {
  const headline = error.code === 'invalid_input' ? error.message : HEADLINES[error.code];
  if (!headline) return { headline: error.message || 'Something went wrong', detail: null };
  const detail = error.message && error.message !== headline ? error.message : null;
  return { headline, detail };
}
