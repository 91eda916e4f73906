//! Heartbeat-rate checking shared by both ends of MDP/Worker.
//!
//! 7/MDP's Known Weaknesses: "the heartbeat rate must be set to similar values in broker and
//! worker, or false disconnections will occur". Each end measures the gap between
//! consecutive HEARTBEATs with no other traffic in between and reports, once, a gap far from
//! its own setting, so a `--heartbeat` mismatch is obvious in the log.

use std::time::{Duration, Instant};

/// Watches one peer's heartbeat rate.
#[derive(Debug, Default, Clone)]
pub struct RateCheck {
    last: Option<Instant>,
    warned: bool,
}

impl RateCheck {
    /// Records a HEARTBEAT; returns the observed interval the first time it is a mismatch.
    pub fn heartbeat(&mut self, now: Instant, expected: Duration) -> Option<Duration> {
        let previous = self.last.replace(now)?;
        let observed = now.saturating_duration_since(previous);
        if self.warned || !mismatch(observed, expected) {
            return None;
        }
        self.warned = true;
        Some(observed)
    }

    /// Records any other command: it replaces a heartbeat, so the next gap is not measured.
    pub fn traffic(&mut self) {
        self.last = None;
    }
}

/// A gap far enough from the expected interval to be a configuration mismatch. The upper
/// bound is generous: the reference worker heartbeats anywhere between one and two intervals
/// apart, because it sends only after a poll that another message may cut short.
fn mismatch(observed: Duration, expected: Duration) -> bool {
    observed * 2 < expected || observed * 5 > expected * 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_a_fast_peer_once() {
        let hb = Duration::from_millis(2500);
        let mut check = RateCheck::default();
        let t = Instant::now();
        assert_eq!(check.heartbeat(t, hb), None);
        let second = t + Duration::from_millis(500);
        assert_eq!(
            check.heartbeat(second, hb),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            check.heartbeat(second + Duration::from_millis(500), hb),
            None
        );
    }

    #[test]
    fn tolerates_the_reference_worker_jitter() {
        let hb = Duration::from_millis(2500);
        let mut check = RateCheck::default();
        let mut t = Instant::now();
        check.heartbeat(t, hb);
        for ms in [2500, 4900, 2600, 3000] {
            t += Duration::from_millis(ms);
            assert_eq!(check.heartbeat(t, hb), None);
        }
    }

    #[test]
    fn other_traffic_restarts_the_measurement() {
        let hb = Duration::from_millis(1000);
        let mut check = RateCheck::default();
        let t = Instant::now();
        check.heartbeat(t, hb);
        check.traffic();
        assert_eq!(check.heartbeat(t + Duration::from_secs(60), hb), None);
        assert_eq!(
            check.heartbeat(t + Duration::from_secs(70), hb),
            Some(Duration::from_secs(10))
        );
    }
}
