//! The job queue: bounded concurrency per provider, cancellation, and progress events on a
//! broadcast channel that any front end (CLI, desktop window) can subscribe to.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

use crate::{Error, ErrorPayload, Result};

pub type JobId = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum JobStage {
    Queued,
    Sending,
    WaitingToRetry,
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
        }
    }
}

/// What a running job gets: its id, its cancellation token, and a way to report progress.
#[derive(Clone)]
pub struct JobContext {
    pub job_id: JobId,
    pub cancel: CancellationToken,
    events: broadcast::Sender<JobEvent>,
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
            retry_in_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            ..JobEvent::new(&self.job_id, JobStage::WaitingToRetry)
        });
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
    per_provider: usize,
    limits: Mutex<HashMap<String, Arc<Semaphore>>>,
    running: Mutex<HashMap<JobId, CancellationToken>>,
    events: broadcast::Sender<JobEvent>,
}

impl JobQueue {
    /// `per_provider`: how many jobs may talk to one provider at once (at least 1).
    pub fn new(per_provider: usize) -> JobQueue {
        let (events, _) = broadcast::channel(1024);
        JobQueue {
            inner: Arc::new(Inner {
                per_provider: per_provider.max(1),
                limits: Mutex::new(HashMap::new()),
                running: Mutex::new(HashMap::new()),
                events,
            }),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.inner.events.subscribe()
    }

    /// Queues `work` under `provider`'s limit and returns its id at once. The job emits
    /// `queued`, then whatever `work` reports, then exactly one final event.
    /// Must be called within a tokio runtime.
    pub fn submit<F, Fut>(&self, provider: &str, work: F) -> JobId
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<JobOutput>> + Send + 'static,
    {
        let job_id = uuid::Uuid::now_v7().to_string();
        let cancel = CancellationToken::new();
        self.inner
            .lock_running()
            .insert(job_id.clone(), cancel.clone());
        let limit = self.inner.limit_for(provider);
        let ctx = JobContext {
            job_id: job_id.clone(),
            cancel: cancel.clone(),
            events: self.inner.events.clone(),
        };
        ctx.stage(JobStage::Queued);
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(Error::Cancelled),
                permit = limit.acquire_owned() => match permit {
                    Ok(_permit) => work(ctx.clone()).await,
                    Err(_) => Err(Error::Cancelled),
                },
            };
            inner.lock_running().remove(&ctx.job_id);
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

    pub fn active(&self) -> usize {
        self.inner.lock_running().len()
    }
}

impl Inner {
    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, CancellationToken>> {
        // A panic elsewhere must not make every later job fail too.
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn limit_for(&self, provider: &str) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            limits
                .entry(provider.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_provider))),
        )
    }
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
        let q = JobQueue::new(2);
        let mut rx = q.subscribe();
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for _ in 0..6 {
            let (now, peak) = (now.clone(), peak.clone());
            ids.push(q.submit("p", move |_ctx| async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(JobOutput::default())
            }));
        }
        // Another provider is not held up by the first one's queue.
        let other = q.submit("q", |_ctx| async { Ok(JobOutput::default()) });
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
        let q = JobQueue::new(1);
        let mut rx = q.subscribe();
        let running = q.submit("p", |ctx| async move {
            ctx.cancel.cancelled().await;
            Err(Error::Cancelled)
        });
        let queued = q.submit("p", |_ctx| async { Ok(JobOutput::default()) });
        assert!(q.cancel(&queued));
        assert!(q.cancel(&running));
        let a = final_of(&mut rx, &running).await;
        assert_eq!(a.stage, JobStage::Cancelled);
        assert_eq!(a.error.unwrap().code, "cancelled");
        assert!(!q.cancel("no-such-job"));
    }

    #[tokio::test]
    async fn failure_carries_code_and_message() {
        let q = JobQueue::new(1);
        let mut rx = q.subscribe();
        let id = q.submit("p", |ctx| async move {
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
}
