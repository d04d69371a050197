//! Forwards one job's events from the engine's broadcast to the UI's channel, throttled, and
//! announces the images a finished job stored.

use std::time::{Duration, Instant};

use easel_core::jobs::{JobEvent, JobStage};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::events::LibraryChanged;
use crate::throttle::Throttle;

/// At most one non-final event per job per this interval reaches the UI.
pub const EVENT_INTERVAL: Duration = Duration::from_millis(100);

/// Runs until the job's final event was sent. `events` must have been subscribed before
/// the job was submitted so that none of its events is missed.
pub async fn forward<R: Runtime>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<JobEvent>,
    job_id: String,
    channel: Channel<JobEvent>,
) {
    let mut throttle = Throttle::new(EVENT_INTERVAL);
    loop {
        let received = match throttle.due() {
            Some(due) => tokio::select! {
                r = events.recv() => Some(r),
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(due)) => None,
            },
            None => Some(events.recv().await),
        };
        let event = match received {
            None => throttle.flush(Instant::now()),
            Some(Ok(event)) if event.job_id == job_id => throttle.offer(event, Instant::now()),
            Some(Ok(_)) => None,
            // Missed progress is harmless; the final event is what matters.
            Some(Err(RecvError::Lagged(n))) => {
                log::warn!("job {job_id}: {n} progress events skipped");
                None
            }
            Some(Err(RecvError::Closed)) => return,
        };
        let Some(event) = event else { continue };
        let stage = event.stage;
        let stored = event.image_ids.clone();
        if channel.send(event).is_err() {
            // The window went away; the job carries on and its images land in the library.
            log::info!("job {job_id}: the window no longer listens");
        }
        if stage.is_final() {
            if stage == JobStage::Done && !stored.is_empty() {
                let _ = LibraryChanged { ids: stored }.emit(&app);
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::{Arc, Mutex};
    use tauri::ipc::InvokeResponseBody;

    #[tokio::test]
    async fn a_burst_is_thinned_and_the_final_event_always_arrives() {
        let app = tauri::test::mock_app();
        let (tx, rx) = broadcast::channel(256);
        let got: Arc<Mutex<Vec<JobEvent>>> = Arc::default();
        let sink = Arc::clone(&got);
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(&json).unwrap());
            }
            Ok(())
        });
        let task = tokio::spawn(forward(app.handle().clone(), rx, "job".into(), channel));
        for attempt in 1..=50 {
            tx.send(JobEvent {
                attempt: Some(attempt),
                ..JobEvent::new("job", JobStage::Sending)
            })
            .unwrap();
            // Another job's events never reach this channel.
            tx.send(JobEvent::new("other", JobStage::Receiving))
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        tx.send(JobEvent::new("job", JobStage::Storing)).unwrap();
        tx.send(JobEvent::new("job", JobStage::Failed)).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();

        let got = got.lock().unwrap();
        assert!(got.iter().all(|e| e.job_id == "job"));
        assert!(got.len() <= 6, "not throttled: {} events", got.len());
        assert_eq!(got[0].attempt, Some(1), "the first event goes at once");
        // The held-back latest attempt was delivered when its interval was over.
        assert!(got.iter().any(|e| e.attempt == Some(50)));
        assert_eq!(got.last().unwrap().stage, JobStage::Failed);
    }
}
