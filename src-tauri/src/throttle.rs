//! Rate limit for one job's progress events: at most one non-final event per interval, the
//! latest one held back and sent when the interval is over; final events always go at once.

use std::time::{Duration, Instant};

use easel_core::jobs::JobEvent;

pub struct Throttle {
    interval: Duration,
    last_sent: Option<Instant>,
    pending: Option<JobEvent>,
}

impl Throttle {
    pub fn new(interval: Duration) -> Throttle {
        Throttle {
            interval,
            last_sent: None,
            pending: None,
        }
    }

    /// Returns the event to send now, if any. A held event is replaced by a newer one.
    pub fn offer(&mut self, event: JobEvent, now: Instant) -> Option<JobEvent> {
        if event.stage.is_final() {
            self.pending = None;
            self.last_sent = Some(now);
            return Some(event);
        }
        match self.last_sent {
            Some(at) if now < at + self.interval => {
                self.pending = Some(event);
                None
            }
            _ => {
                self.last_sent = Some(now);
                Some(event)
            }
        }
    }

    /// When the held event is due.
    pub fn due(&self) -> Option<Instant> {
        let at = self.last_sent?;
        self.pending.as_ref().map(|_| at + self.interval)
    }

    /// The held event, if it is due at `now`.
    pub fn flush(&mut self, now: Instant) -> Option<JobEvent> {
        if self.due().is_some_and(|due| due <= now) {
            self.last_sent = Some(now);
            return self.pending.take();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use easel_core::jobs::JobStage;

    fn ev(stage: JobStage, attempt: u32) -> JobEvent {
        JobEvent {
            attempt: Some(attempt),
            ..JobEvent::new("job", stage)
        }
    }

    #[test]
    fn holds_bursts_and_sends_the_latest_when_due() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut t = Throttle::new(ms(100));
        assert_eq!(
            t.offer(ev(JobStage::Queued, 0), t0).unwrap().stage,
            JobStage::Queued
        );
        assert!(t.offer(ev(JobStage::Sending, 1), t0 + ms(10)).is_none());
        assert!(t.offer(ev(JobStage::Sending, 2), t0 + ms(20)).is_none());
        assert_eq!(t.due(), Some(t0 + ms(100)));
        assert!(t.flush(t0 + ms(99)).is_none());
        let held = t.flush(t0 + ms(100)).unwrap();
        assert_eq!((held.stage, held.attempt), (JobStage::Sending, Some(2)));
        assert_eq!(t.due(), None);
        assert!(t.flush(t0 + ms(500)).is_none());
        // After a quiet interval the next event goes at once.
        assert!(t.offer(ev(JobStage::Receiving, 2), t0 + ms(250)).is_some());
    }

    #[test]
    fn final_events_always_go_and_drop_what_was_held() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut t = Throttle::new(ms(100));
        t.offer(ev(JobStage::Sending, 1), t0);
        assert!(t.offer(ev(JobStage::Storing, 1), t0 + ms(5)).is_none());
        let done = t
            .offer(JobEvent::new("job", JobStage::Done), t0 + ms(6))
            .unwrap();
        assert_eq!(done.stage, JobStage::Done);
        assert_eq!(
            t.due(),
            None,
            "a stale stage must not follow the final event"
        );
        for stage in [JobStage::Failed, JobStage::Cancelled] {
            assert!(t.offer(JobEvent::new("job", stage), t0 + ms(7)).is_some());
        }
    }
}
