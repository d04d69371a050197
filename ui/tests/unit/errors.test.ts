import { describe, expect, it } from 'vitest';
import { errorText } from '$lib/logic/errors';

describe('error text per code', () => {
  it.each([
    ['quota_exhausted', 'Quota used up — check billing on your provider account'],
    ['rejected_by_safety', "Prompt refused by the provider's safety system"],
    ['auth', 'The API key was rejected — check it in Settings'],
    ['network', "Can't reach the provider — check your connection"],
    ['rate_limited', 'The provider is limiting requests — wait a moment and try again'],
    ['timeout', 'The provider took too long to answer — try again'],
  ])('%s', (code, headline) => {
    const t = errorText({ code, message: `raw ${code} message` });
    expect(t.headline).toBe(headline);
    expect(t.detail).toBe(`raw ${code} message`);
  });

  it('shows the message itself for invalid input', () => {
    expect(errorText({ code: 'invalid_input', message: 'Size 1000x1000 is not allowed.' })).toEqual({
      headline: 'Size 1000x1000 is not allowed.',
      detail: null,
    });
  });

  it('falls back to the message for codes it does not know', () => {
    expect(errorText({ code: 'brand_new', message: 'Something new broke.' }).headline).toBe('Something new broke.');
  });
});

describe('IPC rejections become IpcError', async () => {
  const { IpcError, toIpcError } = await import('$lib/ipc');
  it('keeps code and message of the backend payload', () => {
    const e = toIpcError({ code: 'network', message: 'dns failed' });
    expect(e).toBeInstanceOf(IpcError);
    expect(e).toMatchObject({ code: 'network', message: 'dns failed' });
  });
  it('wraps Tauri string errors and unknown values', () => {
    expect(toIpcError('command foo not found')).toMatchObject({ code: 'unknown', message: 'command foo not found' });
    expect(toIpcError(new Error('boom'))).toMatchObject({ code: 'unknown', message: 'boom' });
    expect(toIpcError(42).code).toBe('unknown');
  });
});
