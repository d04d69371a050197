import type { ImageSummary, LicenseSnapshot } from '$lib/ipc';

export type BadgeKind = 'filtered' | 'preview' | 'licensed';

export type Badge = { kind: BadgeKind; label: string; title: string };

/** The badges a library tile and the image view show for an image, most important first. */
export function imageBadges(image: Pick<ImageSummary, 'filtered' | 'license_status'>): Badge[] {
  const out: Badge[] = [];
  if (image.license_status === 'preview') {
    out.push({ kind: 'preview', label: 'Preview — license before use', title: 'An unlicensed preview: license it before using it anywhere.' });
  } else if (image.license_status === 'licensed') {
    out.push({ kind: 'licensed', label: 'Licensed', title: 'Licensed by a recorded licence transaction.' });
  }
  if (image.filtered) {
    out.push({ kind: 'filtered', label: 'Filtered', title: "The provider's content filter blurred this image." });
  }
  return out;
}

/** The fields a licence transaction is most likely to name its reference by, in order. */
const REFERENCE_KEYS = ['reference', 'transaction_id', 'id', 'download_id', 'generated_asset_id', 'asset_id'];

/** The licence transaction's reference, from whatever object core recorded; null when none. */
export function transactionReference(license: Pick<LicenseSnapshot, 'transaction'>): string | null {
  const t = license.transaction;
  if (t === null || t === undefined) return null;
  if (typeof t === 'string' || typeof t === 'number') return String(t);
  if (typeof t !== 'object' || Array.isArray(t)) return null;
  const record = t as Record<string, unknown>;
  for (const key of REFERENCE_KEYS) {
    const v = record[key];
    if (typeof v === 'string' && v.trim()) return v;
    if (typeof v === 'number') return String(v);
  }
  return null;
}

/** The transaction's other facts (size, time, …) as label/value pairs for the licence panel. */
export function transactionFacts(license: Pick<LicenseSnapshot, 'transaction'>): [string, string][] {
  const t = license.transaction;
  if (t === null || t === undefined || typeof t !== 'object' || Array.isArray(t)) return [];
  return Object.entries(t as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => [k.replace(/_/g, ' '), String(v)]);
}

/** What the licence status means for using the image, in one sentence. */
export function licenseStatusText(status: ImageSummary['license_status']): string {
  switch (status) {
    case 'included':
      return 'The terms below came with the image when it was generated.';
    case 'preview':
      return 'Unlicensed preview: it may not be used until it is licensed. The terms below apply once it is.';
    case 'licensed':
      return 'Licensed: a licence was bought for this file; the transaction is recorded below.';
  }
}

/**
 * Whether the image may be used commercially as it stands: an unlicensed preview may not,
 * whatever the provider's terms would allow once licensed.
 */
export function commerciallyUsable(image: Pick<ImageSummary, 'commercial_use' | 'license_status'>): boolean {
  return image.license_status !== 'preview' && (image.commercial_use === 'yes' || image.commercial_use === 'conditional');
}
