import { describe, expect, it } from 'vitest';
import type { GenerationRequest, JobEvent } from '$lib/ipc';
import { applyEvent, elapsedMs, failToStart, newJob, rateLimitedRecently, stageLabel } from '$lib/logic/jobs';

const request: GenerationRequest = { provider: 'openai', model: 'gpt-image-1', prompt: 'a fox', params: { n: 2 } };
const ev = (stage: JobEvent['stage'], extra: Partial<JobEvent> = {}): JobEvent => ({
  job_id: 'j1',
  stage,
  attempt: null,
  retry_in_ms: null,
  generation_id: null,
  image_ids: [],
  error: null,
  step: null,
  total_steps: null,
  eta_ms: null,
  preview: null,
  note: null,
  ...extra,
});

describe('job state from events', () => {
  it('walks through the stages to done and keeps the image ids', () => {
    let job = newJob('k', request, 1000);
    expect(stageLabel(job, 1000)).toBe('Queued');
    job = applyEvent(job, ev('sending', { attempt: 1 }), 1100);
    expect(job.jobId).toBe('j1');
    expect(stageLabel(job, 1100)).toBe('Sending');
    job = applyEvent(job, ev('receiving'), 2000);
    job = applyEvent(job, ev('storing'), 2500);
    expect(stageLabel(job, 2500)).toBe('Storing');
    job = applyEvent(job, ev('done', { generation_id: 'g1', image_ids: ['a', 'b'] }), 3000);
    expect(job.stage).toBe('done');
    expect(job.imageIds).toEqual(['a', 'b']);
    expect(job.generationId).toBe('g1');
    expect(elapsedMs(job, 99_999)).toBe(2000);
  });

  it('counts the retry wait down in whole seconds', () => {
    let job = newJob('k', request, 0);
    job = applyEvent(job, ev('waiting_to_retry', { attempt: 1, retry_in_ms: 5000 }), 1000);
    expect(stageLabel(job, 1000)).toBe('Waiting to retry in 5 s');
    expect(stageLabel(job, 3200)).toBe('Waiting to retry in 3 s');
    expect(stageLabel(job, 7000)).toBe('Waiting to retry in 0 s');
    job = applyEvent(job, ev('sending', { attempt: 2 }), 6000);
    expect(job.retryAt).toBeNull();
    expect(stageLabel(job, 6000)).toBe('Sending (attempt 2)');
  });

  it('keeps the error of a failed job and ignores anything after a final stage', () => {
    let job = newJob('k', request, 0);
    const error = { code: 'quota_exhausted', message: 'You exceeded your quota.' };
    job = applyEvent(job, ev('failed', { error }), 500);
    expect(job.error).toEqual(error);
    expect(job.endedAt).toBe(500);
    const after = applyEvent(job, ev('done', { image_ids: ['x'] }), 900);
    expect(after).toBe(job);
  });

  it('marks a job failed when it could not be started', () => {
    const job = failToStart(newJob('k', request, 0), { code: 'auth', message: 'No key' }, 10);
    expect(job.stage).toBe('failed');
    expect(job.error?.code).toBe('auth');
  });

  it('stops the elapsed clock at the final stage', () => {
    let job = newJob('k', request, 1000);
    expect(elapsedMs(job, 4000)).toBe(3000);
    job = applyEvent(job, ev('cancelled'), 5000);
    expect(elapsedMs(job, 60_000)).toBe(4000);
  });
});

describe('held and processing jobs', () => {
  const stability: GenerationRequest = { provider: 'stability', model: 'ultra', prompt: 'a fox', params: {} };
  const ctx = { name: 'Stability AI', lockoutAfterRateLimitMs: 60_000, lockedOutAfterRateLimit: false };

  it('counts the hold down live and names the provider', () => {
    let job = newJob('k', stability, 0);
    job = applyEvent(job, ev('held', { retry_in_ms: 42_000 }), 1000);
    expect(stageLabel(job, 1000, ctx)).toBe("Waiting for Stability AI's rate limit — 42 s");
    expect(stageLabel(job, 12_500, ctx)).toBe("Waiting for Stability AI's rate limit — 31 s");
    expect(stageLabel(job, 99_000, ctx)).toBe("Waiting for Stability AI's rate limit — 0 s");
    job = applyEvent(job, ev('sending', { attempt: 1 }), 43_000);
    expect(job.heldUntil).toBeNull();
  });

  it('says so when the hold is the lock-out after a rate-limit answer', () => {
    let job = newJob('k', stability, 0);
    job = applyEvent(job, ev('held', { retry_in_ms: 60_000 }), 0);
    expect(stageLabel(job, 0, { ...ctx, lockedOutAfterRateLimit: true })).toBe(
      "Waiting for Stability AI's rate limit — 60 s (Stability AI locks callers out for 60 s after a rate-limit answer)",
    );
  });

  it('tells a lock-out from an ordinary hold by a recent rate-limited job of the same provider', () => {
    const failed = applyEvent(newJob('a', stability, 0), ev('failed', { error: { code: 'rate_limited', message: '429' } }), 10_000);
    const other = applyEvent(newJob('b', request, 0), ev('failed', { error: { code: 'rate_limited', message: '429' } }), 10_000);
    expect(rateLimitedRecently([failed], 'stability', 60_000, 20_000)).toBe(true);
    expect(rateLimitedRecently([failed], 'stability', 60_000, 80_000)).toBe(false);
    expect(rateLimitedRecently([failed], 'stability', null, 20_000)).toBe(false);
    expect(rateLimitedRecently([other], 'stability', 60_000, 20_000)).toBe(false);
  });

  it('shows which check an asynchronous provider is on', () => {
    let job = newJob('k', stability, 0);
    job = applyEvent(job, ev('processing', { attempt: 3 }), 10);
    expect(stageLabel(job, 10, ctx)).toBe('Stability AI is working on it (check 3)');
  });
});

describe('a local engine rendering', () => {
  it('shows the step, the time left, the latest preview and a note, then lets the final image replace the preview', () => {
    let job = newJob('k', request, 1000);
    job = applyEvent(job, ev('rendering', { step: 3, total_steps: 20, eta_ms: 8500 }), 1000);
    expect(stageLabel(job, 1000)).toBe('Rendering step 3/20, 9 s left');
    expect(job.preview).toBeNull();
    job = applyEvent(job, ev('rendering', { step: 4, total_steps: 20, preview: 1 }), 2000);
    expect(job.preview).toBe(1);
    expect(stageLabel(job, 2000)).toBe('Rendering step 4/20');
    job = applyEvent(job, ev('rendering', { note: 'ComfyUI sends no previews' }), 2100);
    expect(job.note).toBe('ComfyUI sends no previews');
    expect(job.step).toBe(4);
    job = applyEvent(job, ev('receiving'), 3000);
    expect(job.preview).toBe(1);
    job = applyEvent(job, ev('done', { image_ids: ['img-1'] }), 4000);
    expect(job.preview).toBeNull();
    expect(job.imageIds).toEqual(['img-1']);
  });
});
