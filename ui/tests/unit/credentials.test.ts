import { describe, expect, it } from 'vitest';
import { actionLabel, relationshipLabel, sourceTypeLabel, stateLabel } from '../../src/lib/logic/credentials';

describe('credentials labels', () => {
  it('names each state, and unread as such', () => {
    expect(stateLabel('trusted')).toBe('Intact · trusted signer');
    expect(stateLabel('valid')).toBe('Intact · unknown signer');
    expect(stateLabel('invalid')).toBe('Not intact');
    expect(stateLabel('none')).toBe('None');
    expect(stateLabel(null)).toBe('Not read yet');
  });
  it('reads IPTC source type URIs as words', () => {
    expect(sourceTypeLabel('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia')).toBe('Trained algorithmic media');
    expect(sourceTypeLabel('compositeWithTrainedAlgorithmicMedia')).toBe('Composite with trained algorithmic media');
  });
  it('names c2pa actions and keeps foreign ones whole', () => {
    expect(actionLabel('c2pa.created')).toBe('Created');
    expect(actionLabel('c2pa.color_adjustments')).toBe('Color adjustments');
    expect(actionLabel('com.example.<b>x</b>')).toBe('com.example.<b>x</b>');
  });
  it('names ingredient relationships', () => {
    expect(relationshipLabel('parentOf')).toBe('parent');
    expect(relationshipLabel('inputTo')).toBe('input');
    expect(relationshipLabel('other')).toBe('other');
    expect(relationshipLabel(null)).toBeNull();
  });
});

import { emptyFilters, toListQuery } from '../../src/lib/state/library.svelte';

describe('credentials filter', () => {
  it('travels in the list query and counts as a filter', () => {
    expect(toListQuery(emptyFilters(), null, 10).credentials).toBeNull();
    expect(toListQuery({ ...emptyFilters(), credentials: 'intact' }, null, 10).credentials).toBe('intact');
  });
});
