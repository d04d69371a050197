import { describe, expect, it } from 'vitest';
import { commerciallyUsable, imageBadges, licenseStatusText, transactionFacts, transactionReference } from '$lib/logic/badges';

describe('image badges', () => {
  it('shows nothing for an ordinary image', () => {
    expect(imageBadges({ filtered: false, license_status: 'included' })).toEqual([]);
  });

  it('marks previews, licensed files and filtered images', () => {
    expect(imageBadges({ filtered: false, license_status: 'preview' }).map((b) => b.label)).toEqual(['Preview — license before use']);
    expect(imageBadges({ filtered: false, license_status: 'licensed' }).map((b) => b.kind)).toEqual(['licensed']);
    expect(imageBadges({ filtered: true, license_status: 'included' }).map((b) => b.label)).toEqual(['Filtered']);
    expect(imageBadges({ filtered: true, license_status: 'preview' }).map((b) => b.kind)).toEqual(['preview', 'filtered']);
  });

  it('finds the licence transaction reference whatever the recorded shape', () => {
    expect(transactionReference({ transaction: null })).toBeNull();
    expect(transactionReference({ transaction: { reference: 'GI-1', size: '4k' } })).toBe('GI-1');
    expect(transactionReference({ transaction: { generated_asset_id: 'abc', size: '4k' } })).toBe('abc');
    expect(transactionReference({ transaction: { size: '4k' } })).toBeNull();
    expect(transactionFacts({ transaction: { reference: 'GI-1', size: '4k', nested: { x: 1 } } })).toEqual([
      ['reference', 'GI-1'],
      ['size', '4k'],
    ]);
  });

  it('never counts a preview as usable commercially', () => {
    expect(commerciallyUsable({ commercial_use: 'yes', license_status: 'preview' })).toBe(false);
    expect(commerciallyUsable({ commercial_use: 'yes', license_status: 'licensed' })).toBe(true);
    expect(commerciallyUsable({ commercial_use: 'conditional', license_status: 'included' })).toBe(true);
    expect(commerciallyUsable({ commercial_use: 'no', license_status: 'included' })).toBe(false);
    expect(licenseStatusText('preview')).toMatch(/may not be used until it is licensed/);
  });
});
