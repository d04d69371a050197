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
