import type { ErrorPayload, GenerationRequest, JobEvent, JobStage } from '$lib/ipc';

/** What the UI knows about one generation job, rebuilt from its JobEvents. */
export type Job = {
  /** Local key, known before the backend hands out a job id. */
  key: string;
  jobId: string | null;
  request: GenerationRequest;
  stage: JobStage;
  attempt: number | null;
  /** Epoch ms when the next retry happens, while waiting_to_retry. */
  retryAt: number | null;
  /** Epoch ms when the provider's rate limits let the job go, while held. */
  heldUntil: number | null;
  startedAt: number;
  endedAt: number | null;
  generationId: string | null;
  imageIds: string[];
  error: ErrorPayload | null;
  cancelling: boolean;
  /** While a local engine renders: the step reached, of how many. */
  step: number | null;
  totalSteps: number | null;
  /** Epoch ms when the engine expects to finish, if it says. */
  etaAt: number | null;
  /** Number of the latest preview (fetched by job id); null once the final image is in. */
  preview: number | null;
  /** What the card should say besides the stage, e.g. that the engine sends no previews. */
  note: string | null;
};

export const FINAL_STAGES: ReadonlySet<JobStage> = new Set(['done', 'failed', 'cancelled']);

export function isFinal(stage: JobStage): boolean {
  return FINAL_STAGES.has(stage);
}

export function newJob(key: string, request: GenerationRequest, now: number): Job {
  return {
    key,
    jobId: null,
    request,
    stage: 'queued',
    attempt: null,
    retryAt: null,
    heldUntil: null,
    startedAt: now,
    endedAt: null,
    generationId: null,
    imageIds: [],
    error: null,
    cancelling: false,
    step: null,
    totalSteps: null,
    etaAt: null,
    preview: null,
    note: null,
  };
}

/** Applies one event; events after a final stage are ignored so a late message cannot revive a job. */
export function applyEvent(job: Job, event: JobEvent, now: number): Job {
  if (isFinal(job.stage)) return job;
  const final = isFinal(event.stage);
  return {
    ...job,
    jobId: job.jobId ?? event.job_id,
    stage: event.stage,
    attempt: event.attempt ?? job.attempt,
    retryAt: event.stage === 'waiting_to_retry' && event.retry_in_ms != null ? now + event.retry_in_ms : null,
    heldUntil: event.stage === 'held' && event.retry_in_ms != null ? now + event.retry_in_ms : null,
    endedAt: final ? now : null,
    generationId: event.generation_id ?? job.generationId,
    imageIds: event.image_ids.length > 0 ? [...event.image_ids] : job.imageIds,
    error: event.error ?? (event.stage === 'failed' ? { code: 'unknown', message: 'The job failed.' } : null),
    cancelling: final ? false : job.cancelling,
    step: event.step ?? job.step,
    totalSteps: event.total_steps ?? job.totalSteps,
    etaAt: event.stage === 'rendering' ? (event.eta_ms != null ? now + event.eta_ms : null) : job.etaAt,
    // The final image replaces the previews.
    preview: final ? null : (event.preview ?? job.preview),
    note: event.note ?? job.note,
  };
}

/** The job could not even be started (start_generation rejected). */
export function failToStart(job: Job, error: ErrorPayload, now: number): Job {
  return { ...job, stage: 'failed', error, endedAt: now, retryAt: null, heldUntil: null, cancelling: false };
}

/** What the job card knows about the job's provider, to explain holds and provider work. */
export type ProviderContext = {
  name: string;
  /** The provider locks callers out this long after a rate-limit answer (catalogue data). */
  lockoutAfterRateLimitMs: number | null;
  /** A job of this provider failed with `rate_limited` within the lock-out before this hold. */
  lockedOutAfterRateLimit: boolean;
};

function secondsUntil(at: number | null, now: number): number | null {
  return at == null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** "Waiting for Stability AI's rate limit — 42 s", with why when the job card can tell. */
export function heldLabel(job: Job, now: number, provider: ProviderContext): string {
  const seconds = secondsUntil(job.heldUntil, now);
  const wait = seconds == null ? '' : ` — ${seconds} s`;
  if (provider.lockedOutAfterRateLimit && provider.lockoutAfterRateLimitMs) {
    const lockout = Math.round(provider.lockoutAfterRateLimitMs / 1000);
    return `Waiting for ${provider.name}'s rate limit${wait} (${provider.name} locks callers out for ${lockout} s after a rate-limit answer)`;
  }
  return `Waiting for ${provider.name}'s rate limit${wait}`;
}

/** True when a job of `providerId` failed with a rate limit less than `lockoutMs` before `at`. */
export function rateLimitedRecently(jobs: Job[], providerId: string, lockoutMs: number | null, at: number): boolean {
  if (!lockoutMs) return false;
  return jobs.some(
    (j) =>
      j.request.provider === providerId &&
      j.stage === 'failed' &&
      j.error?.code === 'rate_limited' &&
      j.endedAt !== null &&
      j.endedAt <= at &&
      at - j.endedAt < lockoutMs,
  );
}

export function stageLabel(job: Job, now: number, provider?: ProviderContext): string {
  const name = provider?.name ?? job.request.provider;
  switch (job.stage) {
    case 'queued': return 'Queued';
    case 'held': return heldLabel(job, now, provider ?? { name, lockoutAfterRateLimitMs: null, lockedOutAfterRateLimit: false });
    case 'processing': return job.attempt ? `${name} is working on it (check ${job.attempt})` : `${name} is working on it`;
    case 'sending': return job.attempt && job.attempt > 1 ? `Sending (attempt ${job.attempt})` : 'Sending';
    case 'waiting_to_retry': {
      const seconds = secondsUntil(job.retryAt, now);
      return seconds == null ? 'Waiting to retry' : `Waiting to retry in ${seconds} s`;
    }
    case 'rendering': {
      const step = job.step != null && job.totalSteps ? ` step ${job.step}/${job.totalSteps}` : '';
      const seconds = secondsUntil(job.etaAt, now);
      return `Rendering${step}${seconds != null ? `, ${seconds} s left` : ''}`;
    }
    case 'receiving': return 'Receiving';
    case 'storing': return 'Storing';
    case 'done': return 'Done';
    case 'failed': return 'Failed';
    case 'cancelled': return 'Cancelled';
  }
}

export function elapsedMs(job: Job, now: number): number {
  return (job.endedAt ?? now) - job.startedAt;
}
