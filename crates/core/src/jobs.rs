//! The job queue: bounded concurrency per provider, cancellation, and progress events on a
//! broadcast channel that any front end (CLI, desktop window) can subscribe to.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

use crate::catalog::ProviderLimits;
use crate::providers::PreviewFrame;
use crate::{Error, ErrorPayload, Result};

pub type JobId = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum JobStage {
    Queued,
    /// Held back by the provider's rate limits (or its lock-out after a 429);
    /// `retry_in_ms` says for how long.
    Held,
    Sending,
    /// The provider accepted the job and is working on it (asynchronous providers).
    Processing,
    WaitingToRetry,
    /// A local engine renders: `step` of `total_steps`, with a preview when `preview` is set.
    Rendering,
    Receiving,
    Storing,
    Done,
    Failed,
    Cancelled,
}

impl JobStage {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStage::Done | JobStage::Failed | JobStage::Cancelled
        )
    }
}

/// One step of a job. Flat so that it crosses to TypeScript and JSON without ceremony.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct JobEvent {
    pub job_id: JobId,
    pub stage: JobStage,
    /// Attempt number for `sending` and `waiting_to_retry` (1-based).
    pub attempt: Option<u32>,
    /// For `waiting_to_retry`: how long until the next attempt.
    pub retry_in_ms: Option<u64>,
    pub generation_id: Option<String>,
    pub image_ids: Vec<String>,
    pub error: Option<ErrorPayload>,
    /// For `rendering`: the step reached and how many there are.
    pub step: Option<u32>,
    pub total_steps: Option<u32>,
    /// For `rendering`: the engine's estimate of the time left.
    pub eta_ms: Option<u64>,
    /// For `rendering`: a new preview is ready; its number, to fetch it by job id
    /// (`JobQueue::preview`). The bytes never travel in events.
    pub preview: Option<u32>,
    /// Something the job card should say, e.g. that the engine sends no previews.
    pub note: Option<String>,
}

impl JobEvent {
    pub fn new(job_id: &str, stage: JobStage) -> JobEvent {
        JobEvent {
            job_id: job_id.to_owned(),
            stage,
            attempt: None,
            retry_in_ms: None,
            generation_id: None,
            image_ids: Vec::new(),
            error: None,
            step: None,
            total_steps: None,
            eta_ms: None,
            preview: None,
            note: None,
        }
    }
}

/// The latest preview of each running job, in memory only: previews are never stored.
type Previews = Arc<Mutex<HashMap<JobId, (u32, PreviewFrame)>>>;

/// What a running job gets: its id, its cancellation token, and a way to report progress.
#[derive(Clone)]
pub struct JobContext {
    pub job_id: JobId,
    pub cancel: CancellationToken,
    events: broadcast::Sender<JobEvent>,
    previews: Previews,
}

impl JobContext {
    pub fn emit(&self, event: JobEvent) {
        // No subscriber is not an error: a script may not care about progress.
        let _ = self.events.send(event);
    }

    pub fn stage(&self, stage: JobStage) {
        self.emit(JobEvent::new(&self.job_id, stage));
    }

    pub fn retry_wait(&self, attempt: u32, delay: Duration) {
        self.emit(JobEvent {
            attempt: Some(attempt),
            retry_in_ms: Some(millis(delay)),
            ..JobEvent::new(&self.job_id, JobStage::WaitingToRetry)
        });
    }

    /// A rendering step, keeping its preview (if any) as the job's latest, replacing the one
    /// before: only the newest frame is kept, so a fast engine never piles frames up.
    pub fn rendering(
        &self,
        step: u32,
        total: u32,
        eta: Option<Duration>,
        preview: Option<PreviewFrame>,
    ) {
        let number = preview.map(|frame| {
            let mut previews = self.previews.lock().unwrap_or_else(PoisonError::into_inner);
            let next = previews.get(&self.job_id).map_or(1, |(n, _)| n + 1);
            previews.insert(self.job_id.clone(), (next, frame));
            next
        });
        self.emit(JobEvent {
            step: Some(step),
            total_steps: Some(total),
            eta_ms: eta.map(millis),
            preview: number,
            ..JobEvent::new(&self.job_id, JobStage::Rendering)
        });
    }

    /// A line for the job card while it renders (e.g. "the engine sends no previews").
    pub fn note(&self, note: String) {
        self.emit(JobEvent {
            note: Some(note),
            ..JobEvent::new(&self.job_id, JobStage::Rendering)
        });
    }

    fn held(&self, delay: Duration) {
        self.emit(JobEvent {
            retry_in_ms: Some(millis(delay)),
            ..JobEvent::new(&self.job_id, JobStage::Held)
        });
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One provider's limits as the queue keeps them: how many jobs at once, how many may start
/// in a window, and a lock-out after the provider answered 429.
struct Gate {
    slots: Arc<Semaphore>,
    limits: ProviderLimits,
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    /// When recent jobs started, oldest first, within the current window.
    starts: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl Gate {
    fn new(limits: ProviderLimits) -> Gate {
        Gate {
            slots: Arc::new(Semaphore::new(limits.concurrent_jobs.max(1) as usize)),
            limits,
            state: Mutex::new(GateState::default()),
        }
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a start and returns None, or says how long to wait before asking again.
    fn try_start(&self, now: Instant) -> Option<Duration> {
        let mut st = self.lock_state();
        if let Some(until) = st.locked_until {
            if now < until {
                return Some(until - now);
            }
            st.locked_until = None;
        }
        if let Some(w) = self.limits.requests {
            let window = Duration::from_millis(w.window_ms);
            while st
                .starts
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                st.starts.pop_front();
            }
            if st.starts.len() >= w.count.max(1) as usize
                && let Some(oldest) = st.starts.front()
            {
                return Some(window.saturating_sub(now.duration_since(*oldest)));
            }
            st.starts.push_back(now);
        }
        None
    }

    /// After a rate-limit answer: nothing starts until the provider's lock-out has passed.
    fn rate_limited(&self, now: Instant) {
        if let Some(ms) = self.limits.lockout_after_rate_limit_ms {
            let until = now + Duration::from_millis(ms);
            let mut st = self.lock_state();
            st.locked_until = Some(st.locked_until.map_or(until, |u| u.max(until)));
        }
    }
}

/// The result a job reports when it succeeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOutput {
    pub generation_id: Option<String>,
    pub image_ids: Vec<String>,
    /// Set when some of what the provider returned (and charged for) could not be stored:
    /// the `done` event then carries it as its `error`, next to the images that were.
    pub not_stored: Option<ErrorPayload>,
}

pub struct JobQueue {
    inner: Arc<Inner>,
}

struct Inner {
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    running: Mutex<HashMap<JobId, CancellationToken>>,
    events: broadcast::Sender<JobEvent>,
    previews: Previews,
}

impl JobQueue {
    pub fn new() -> JobQueue {
        let (events, _) = broadcast::channel(1024);
        JobQueue {
            inner: Arc::new(Inner {
                gates: Mutex::new(HashMap::new()),
                running: Mutex::new(HashMap::new()),
                events,
                previews: Arc::new(Mutex::new(HashMap::new())),
            }),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.inner.events.subscribe()
    }

    /// Queues `work` under `provider`'s limits and returns its id at once. The job emits
    /// `queued` (and `held` while the limits hold it back), then whatever `work` reports,
    /// then exactly one final event. Must be called within a tokio runtime.
    pub fn submit<F, Fut>(&self, provider: &str, limits: ProviderLimits, work: F) -> JobId
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<JobOutput>> + Send + 'static,
    {
        let job_id = uuid::Uuid::now_v7().to_string();
        let cancel = CancellationToken::new();
        self.inner
            .lock_running()
            .insert(job_id.clone(), cancel.clone());
        let gate = self.inner.gate_for(provider, limits);
        let ctx = JobContext {
            job_id: job_id.clone(),
            cancel: cancel.clone(),
            events: self.inner.events.clone(),
            previews: Arc::clone(&self.inner.previews),
        };
        ctx.stage(JobStage::Queued);
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(Error::Cancelled),
                r = run_gated(&gate, &ctx, work) => r,
            };
            inner.lock_running().remove(&ctx.job_id);
            // The final image replaces the previews.
            inner
                .previews
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&ctx.job_id);
            ctx.emit(final_event(&ctx.job_id, outcome));
        });
        job_id
    }

    /// Returns false when no such job is queued or running.
    pub fn cancel(&self, job_id: &str) -> bool {
        match self.inner.lock_running().get(job_id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    pub fn cancel_all(&self) {
        for token in self.inner.lock_running().values() {
            token.cancel();
        }
    }

    /// The latest preview of a running job and its number, if the engine sent one.
    pub fn preview(&self, job_id: &str) -> Option<(u32, PreviewFrame)> {
        self.inner
            .previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(job_id)
            .cloned()
    }

    pub fn active(&self) -> usize {
        self.inner.lock_running().len()
    }
}

impl Inner {
    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, CancellationToken>> {
        // A panic elsewhere must not make every later job fail too.
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn gate_for(&self, provider: &str, limits: ProviderLimits) -> Arc<Gate> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let gate = gates
            .entry(provider.to_owned())
            .or_insert_with(|| Arc::new(Gate::new(limits)));
        // New limits (a catalogue or settings change) apply to jobs queued from now on.
        if gate.limits != limits {
            *gate = Arc::new(Gate::new(limits));
        }
        Arc::clone(gate)
    }
}

impl Default for JobQueue {
    fn default() -> Self {
        JobQueue::new()
    }
}

/// Waits for a slot and for the provider's rate window, runs `work`, and locks the provider
/// out for a while when it answered with a rate limit.
async fn run_gated<F, Fut>(gate: &Gate, ctx: &JobContext, work: F) -> Result<JobOutput>
where
    F: FnOnce(JobContext) -> Fut,
    Fut: Future<Output = Result<JobOutput>>,
{
    let Ok(_permit) = Arc::clone(&gate.slots).acquire_owned().await else {
        return Err(Error::Cancelled);
    };
    while let Some(wait) = gate.try_start(Instant::now()) {
        ctx.held(wait);
        tokio::time::sleep(wait).await;
    }
    let outcome = work(ctx.clone()).await;
    if matches!(outcome, Err(Error::RateLimited { .. })) {
        gate.rate_limited(Instant::now());
    }
    outcome
}

fn final_event(job_id: &str, outcome: Result<JobOutput>) -> JobEvent {
    match outcome {
        Ok(out) => JobEvent {
            generation_id: out.generation_id,
            image_ids: out.image_ids,
            error: out.not_stored,
            ..JobEvent::new(job_id, JobStage::Done)
        },
        Err(Error::Cancelled) => JobEvent {
            error: Some(ErrorPayload::from(&Error::Cancelled)),
            ..JobEvent::new(job_id, JobStage::Cancelled)
        },
        Err(e) => JobEvent {
            error: Some(ErrorPayload::from(&e)),
            ..JobEvent::new(job_id, JobStage::Failed)
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn slots(n: u32) -> ProviderLimits {
        ProviderLimits {
            concurrent_jobs: n,
            requests: None,
            lockout_after_rate_limit_ms: None,
        }
    }

    async fn final_of(rx: &mut broadcast::Receiver<JobEvent>, job: &str) -> JobEvent {
        loop {
            let ev = rx.recv().await.unwrap();
            if ev.job_id == job && ev.stage.is_final() {
                return ev;
            }
        }
    }

    #[tokio::test]
    async fn limits_concurrency_per_provider() {
        let q = JobQueue::new();
        let mut rx = q.subscribe();
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for _ in 0..6 {
            let (now, peak) = (now.clone(), peak.clone());
            ids.push(q.submit("p", slots(2), move |_ctx| async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(JobOutput::default())
            }));
        }
        // Another provider is not held up by the first one's queue.
        let other = q.submit("q", slots(2), |_ctx| async { Ok(JobOutput::default()) });
        let mut finished = Vec::new();
        while finished.len() < ids.len() + 1 {
            let ev = rx.recv().await.unwrap();
            if ev.stage.is_final() {
                assert_eq!(ev.stage, JobStage::Done);
                finished.push(ev.job_id);
            }
        }
        let other_at = finished.iter().position(|id| *id == other).unwrap();
        assert!(
            other_at < 2,
            "a job of another provider waited behind this one's queue"
        );
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(q.active(), 0);
    }

    #[tokio::test]
    async fn cancels_queued_and_running_jobs() {
        let q = JobQueue::new();
        let mut rx = q.subscribe();
        let running = q.submit("p", slots(1), |ctx| async move {
            ctx.cancel.cancelled().await;
            Err(Error::Cancelled)
        });
        let queued = q.submit("p", slots(1), |_ctx| async { Ok(JobOutput::default()) });
        assert!(q.cancel(&queued));
        assert!(q.cancel(&running));
        let a = final_of(&mut rx, &running).await;
        assert_eq!(a.stage, JobStage::Cancelled);
        assert_eq!(a.error.unwrap().code, "cancelled");
        assert!(!q.cancel("no-such-job"));
    }

    #[tokio::test]
    async fn failure_carries_code_and_message() {
        let q = JobQueue::new();
        let mut rx = q.subscribe();
        let id = q.submit("p", slots(1), |ctx| async move {
            ctx.retry_wait(1, Duration::from_millis(1500));
            Err(Error::QuotaExhausted {
                message: "You exceeded your current quota.".into(),
            })
        });
        let first = rx.recv().await.unwrap();
        assert_eq!(first.stage, JobStage::Queued);
        let wait = rx.recv().await.unwrap();
        assert_eq!(
            (wait.stage, wait.retry_in_ms),
            (JobStage::WaitingToRetry, Some(1500))
        );
        let end = final_of(&mut rx, &id).await;
        assert_eq!(end.stage, JobStage::Failed);
        assert_eq!(end.error.unwrap().code, "quota_exhausted");
    }

    /// Jobs past the provider's window wait (visibly, with the delay) instead of being sent.
    #[tokio::test(start_paused = true)]
    async fn a_request_window_holds_jobs_back() {
        let q = JobQueue::new();
        let mut rx = q.subscribe();
        let limits = ProviderLimits {
            concurrent_jobs: 10,
            requests: Some(crate::catalog::RequestWindow {
                count: 2,
                window_ms: 60_000,
            }),
            lockout_after_rate_limit_ms: None,
        };
        let started = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let started = started.clone();
            ids.push(q.submit("firefly", limits, move |_ctx| async move {
                started
                    .lock()
                    .unwrap()
                    .push(Instant::now().duration_since(t0));
                Ok(JobOutput::default())
            }));
        }
        let mut held = Vec::new();
        let mut done = 0;
        while done < 3 {
            let ev = rx.recv().await.unwrap();
            if ev.stage == JobStage::Held {
                held.push((ev.job_id.clone(), ev.retry_in_ms.unwrap()));
            }
            if ev.stage.is_final() {
                done += 1;
            }
        }
        assert_eq!(held.len(), 1, "{held:?}");
        assert_eq!(held[0], (ids[2].clone(), 60_000));
        let started = started.lock().unwrap().clone();
        assert!(started[2] >= Duration::from_secs(60), "{started:?}");
        assert!(started[1] < Duration::from_secs(1), "{started:?}");
    }

    /// A 429 locks the provider's queue for its lock-out; other providers go on.
    #[tokio::test(start_paused = true)]
    async fn a_rate_limit_locks_the_provider_out() {
        let q = JobQueue::new();
        let mut rx = q.subscribe();
        let limits = ProviderLimits {
            concurrent_jobs: 1,
            requests: None,
            lockout_after_rate_limit_ms: Some(60_000),
        };
        let t0 = Instant::now();
        let first = q.submit("stability", limits, |_ctx| async {
            Err(Error::RateLimited {
                message: "150 requests in 10 s".into(),
                retry_after: None,
            })
        });
        let end = final_of(&mut rx, &first).await;
        assert_eq!(end.error.unwrap().code, "rate_limited");
        let second = q.submit("stability", limits, |_ctx| async {
            Ok(JobOutput::default())
        });
        let other = q.submit("openai", slots(1), |_ctx| async {
            Ok(JobOutput::default())
        });
        let mut held_for = None;
        let mut order = Vec::new();
        while order.len() < 2 {
            let ev = rx.recv().await.unwrap();
            if ev.job_id == second && ev.stage == JobStage::Held {
                held_for = ev.retry_in_ms;
            }
            if ev.stage.is_final() {
                order.push((ev.job_id.clone(), Instant::now().duration_since(t0)));
            }
        }
        assert_eq!(order[0].0, other, "another provider waited: {order:?}");
        assert_eq!(order[1].0, second);
        assert!(order[1].1 >= Duration::from_secs(60), "{order:?}");
        assert!(
            held_for.is_some_and(|ms| ms > 59_000 && ms <= 60_000),
            "{held_for:?}"
        );
    }
}
