import { api, toIpcError, type EditStart, type GenerationRequest, type JobEvent } from '$lib/ipc';
import { applyEvent, failToStart, isFinal, newJob, type Job } from '$lib/logic/jobs';

/** Running and finished generation jobs, newest first; several may run at once. */
export class JobList {
  jobs = $state<Job[]>([]);
  /** Ticks while a job is active so elapsed times and retry countdowns move. */
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  #seq = 0;
  /** The latest finished job in words, for a screen reader live region. */
  announcement = $state('');
  /** Called once when a job reaches done, failed or cancelled. */
  onFinished: (job: Job) => void = () => {};

  get active(): number {
    return this.jobs.filter((j) => !isFinal(j.stage)).length;
  }

  async start(request: GenerationRequest): Promise<string> {
    return this.#run(request, (onEvent) => api.startGeneration(request, onEvent));
  }

  /** Variations of a library image, shown in the job list like a generation. */
  async vary(image: { id: string; provider: string; model: string; prompt: string }): Promise<string> {
    const shown: GenerationRequest = { provider: image.provider, model: image.model, prompt: `Variations of: ${image.prompt}`, params: {} };
    return this.#run(shown, (onEvent) => api.startVariations(image.id, null, onEvent));
  }

  /** An edit (mask, outpaint, references) of a library image, shown in the job list like a
   *  generation; `shown` is what the job card says it is. */
  async edit(request: EditStart, shown: GenerationRequest): Promise<string> {
    return this.#run(shown, (onEvent) => api.startEdit(request, onEvent));
  }

  async #run(request: GenerationRequest, begin: (onEvent: (event: JobEvent) => void) => Promise<string>): Promise<string> {
    const key = `job-${Date.now()}-${this.#seq++}`;
    this.jobs = [newJob(key, request, Date.now()), ...this.jobs];
    this.#tick();
    try {
      const jobId = await begin((event) => {
        const before = this.jobs.find((j) => j.key === key);
        this.#update(key, (job) => applyEvent(job, event, Date.now()));
        const after = this.jobs.find((j) => j.key === key);
        if (before && after && !isFinal(before.stage) && isFinal(after.stage)) this.#finished(after);
      });
      this.#update(key, (job) => ({ ...job, jobId: job.jobId ?? jobId }));
    } catch (e) {
      const err = toIpcError(e);
      this.#update(key, (job) => failToStart(job, { code: err.code, message: err.message }, Date.now()));
      const failed = this.jobs.find((j) => j.key === key);
      if (failed) this.#finished(failed);
    }
    return key;
  }

  async cancel(key: string): Promise<void> {
    const job = this.jobs.find((j) => j.key === key);
    if (!job || isFinal(job.stage) || !job.jobId) return;
    this.#update(key, (j) => ({ ...j, cancelling: true }));
    try {
      await api.cancelJob(job.jobId);
    } catch (e) {
      const err = toIpcError(e);
      this.#update(key, (j) => ({ ...j, cancelling: false, error: isFinal(j.stage) ? j.error : { code: err.code, message: err.message } }));
    }
  }

  dismiss(key: string): void {
    this.jobs = this.jobs.filter((j) => j.key !== key || !isFinal(j.stage));
  }

  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => !isFinal(j.stage));
  }

  #finished(job: Job): void {
    const what = job.request.prompt.length > 60 ? `${job.request.prompt.slice(0, 60)}…` : job.request.prompt;
    const count = job.imageIds.length;
    this.announcement =
      job.stage === 'done'
        ? `Generation done (${count} image${count === 1 ? '' : 's'}): ${what}`
        : job.stage === 'failed'
          ? `Generation failed: ${what}`
          : `Generation cancelled: ${what}`;
    this.onFinished(job);
  }

  #update(key: string, change: (job: Job) => Job): void {
    this.jobs = this.jobs.map((j) => (j.key === key ? change(j) : j));
    this.#tick();
  }

  #tick(): void {
    this.now = Date.now();
    if (this.active > 0 && this.#timer === null) {
      this.#timer = setInterval(() => {
        this.now = Date.now();
        if (this.active === 0 && this.#timer !== null) {
          clearInterval(this.#timer);
          this.#timer = null;
        }
      }, 250);
    }
  }
}
