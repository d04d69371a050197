import { describe, expect, it } from 'vitest';
import { duplicateReason, fileName, progressText, summaryHeadline } from '../../src/lib/logic/importSummary';

const empty = { imported: [], duplicates: [], unreadable: [], ignored: 0, cancelled: false, not_started: 0, error: null };

describe('import summary', () => {
  it('says counting before totals are known, then files done', () => {
    expect(progressText(null)).toEqual({ text: 'Looking for images…', fraction: null });
    expect(progressText({ total: 1000, done: 120, imported: 100, duplicates: 20, unreadable: 0, last: 'a.png' })).toEqual({ text: '120 of 1,000 files', fraction: 0.12 });
  });
  it('puts imported first and only names what happened', () => {
    expect(summaryHeadline(empty)).toBe('Imported 0 images.');
    const s = {
      ...empty,
      imported: [{ path: '/a/1.png', image_id: 'i1', tool: 'a1111' }],
      duplicates: [{ path: '/a/2.png', image_id: 'i1', reason: 'same_bytes' }, { path: '/a/3.png', image_id: 'i0', reason: 'already_imported' }],
      unreadable: [{ path: '/a/x.png', code: 'not_an_image', reason: 'not an image' }],
      ignored: 2,
    };
    expect(summaryHeadline(s)).toBe('Imported 1 image · 2 duplicates skipped · 1 file could not be read · 2 other files ignored (not PNG, JPEG or WebP).');
  });
  it('says a cancelled import can be picked up again', () => {
    expect(summaryHeadline({ ...empty, cancelled: true, not_started: 1200 })).toBe('Imported 0 images. Cancelled: 1,200 files left; import the same folder again to go on.');
  });
  it('names files and reasons', () => {
    expect(fileName('/home/ann/Pictures/a.png')).toBe('a.png');
    expect(fileName('C:\\Users\\ann\\b.webp')).toBe('b.webp');
    expect(duplicateReason('already_imported')).toBe('imported before');
    expect(duplicateReason('same_bytes')).toBe('same image already in the library');
  });
});
