//! Frame-to-cue latency of the live pipeline: how long after a frame is captured its result (the
//! form engine's state and events, so any cue or verdict it triggers) is published.
//!
//! # The definition
//! - **Start**: the moment the frame is captured. For a camera or a window capture, the moment the
//!   source hands the frame over (the camera's own exposure-to-delivery delay, which formcheck
//!   cannot see, comes on top). For a file played at its own pace (`analyze --realtime`, the window
//!   on a clip), the moment the frame is due on the wall clock: `start + (t − t₀)`, whether its
//!   decoding finished before that (it then waits) or after (the lateness counts).
//! - **End**: the moment the frame's events are on the queue the UI and the coach read, i.e. the
//!   cue or verdict is emitted (every processed frame, whether or not it raised an event).
//! - Frames the model could not keep up with are dropped (newest wins) and have no latency of their
//!   own; they are counted separately ([`super::live::RealtimeRun::dropped`]).
//!
//! Latencies go into a fixed histogram of 0.1 ms bins up to 2 s, so an hour-long session keeps
//! constant memory; percentiles are nearest-rank, read at a bin's upper edge (never under the true
//! value, by at most 0.1 ms). Anything above 2 s is counted in the last bin and shows in `max`.

use std::time::Instant;

/// Width of one histogram bin, ms.
const BIN_MS: f64 = 0.1;
/// Bins: 0 to 2 s; the last one also takes everything above.
const BINS: usize = 20_000;

/// Milliseconds from `captured` to `emitted` (0 if `emitted` is earlier, which a monotonic clock
/// only gives when a caller passes them swapped).
#[must_use]
pub fn frame_to_cue_ms(captured: Instant, emitted: Instant) -> f64 {
    emitted.saturating_duration_since(captured).as_secs_f64() * 1e3
}

/// The capture moment of a frame: its due time when the source is a file played at its own pace,
/// else the moment the source returned it.
#[must_use]
pub fn capture_moment(due: Option<Instant>, returned: Instant) -> Instant {
    due.unwrap_or(returned)
}

/// A histogram of latencies (ms).
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    bins: Vec<u32>,
    count: u64,
    sum_ms: f64,
    max_ms: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self { bins: vec![0; BINS], count: 0, sum_ms: 0.0, max_ms: 0.0 }
    }
}

/// What `analyze --realtime` prints and the JSON carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct LatencySummary {
    /// Frames measured (processed frames).
    pub frames: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

impl LatencyHistogram {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one latency (ms; negative or NaN counts as 0).
    pub fn record(&mut self, ms: f64) {
        let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
        // Bin k holds (k·0.1, (k+1)·0.1] ms; 0 goes in bin 0.
        let k = ((ms / BIN_MS).ceil() as usize).saturating_sub(1).min(BINS - 1);
        self.bins[k] += 1;
        self.count += 1;
        self.sum_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }

    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The nearest-rank `p`-th percentile (`p` in 0..=100): the smallest latency with at least
    /// `⌈p/100 · n⌉` measurements at or under it, read at its bin's upper edge (capped at `max`).
    /// None when nothing was recorded.
    #[must_use]
    pub fn percentile(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p.clamp(0.0, 100.0) / 100.0 * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (k, &n) in self.bins.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                let edge = (k + 1) as f64 * BIN_MS;
                return Some(if k == BINS - 1 { self.max_ms } else { edge.min(self.max_ms) });
            }
        }
        Some(self.max_ms)
    }

    #[must_use]
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            frames: self.count,
            mean_ms: if self.count == 0 { 0.0 } else { self.sum_ms / self.count as f64 },
            p50_ms: self.percentile(50.0).unwrap_or(0.0),
            p95_ms: self.percentile(95.0).unwrap_or(0.0),
            max_ms: self.max_ms,
        }
    }
}

impl LatencySummary {
    /// One line: `frame-to-cue latency p50 … ms, p95 … ms, max … ms (N frames)`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "frame-to-cue latency p50 {:.1} ms, p95 {:.1} ms, mean {:.1} ms, max {:.1} ms ({} frames)",
            self.p50_ms, self.p95_ms, self.mean_ms, self.max_ms, self.frames
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut h = LatencyHistogram::new();
        assert_eq!(h.percentile(95.0), None);
        // 1..=100 ms: p50 is the 50th value, p95 the 95th.
        for ms in (1..=100).rev() {
            h.record(f64::from(ms));
        }
        let s = h.summary();
        assert_eq!(s.frames, 100);
        assert!((s.p50_ms - 50.0).abs() < 1e-9, "{s:?}");
        assert!((s.p95_ms - 95.0).abs() < 1e-9, "{s:?}");
        assert!((s.max_ms - 100.0).abs() < 1e-9 && (s.mean_ms - 50.5).abs() < 1e-9, "{s:?}");
        // Nearest rank on few values: of [10, 20, 30], p50 is 20 (rank 2) and p95 is 30 (rank 3).
        let mut h = LatencyHistogram::new();
        for ms in [30.0, 10.0, 20.0] {
            h.record(ms);
        }
        assert!((h.percentile(50.0).unwrap() - 20.0).abs() < 1e-9);
        assert!((h.percentile(95.0).unwrap() - 30.0).abs() < 1e-9);
        assert!((h.percentile(0.0).unwrap() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_value_is_never_reported_under_itself_and_outliers_show() {
        let mut h = LatencyHistogram::new();
        h.record(12.34);
        let p = h.percentile(50.0).unwrap();
        assert!((12.34..=12.44).contains(&p), "{p}");
        // 19 fast frames and one stalled for 5 s: p95 is the fast ones', max is the stall.
        let mut h = LatencyHistogram::new();
        for _ in 0..19 {
            h.record(8.0);
        }
        h.record(5000.0);
        let s = h.summary();
        assert!((s.p95_ms - 8.0).abs() < 1e-9 && (s.max_ms - 5000.0).abs() < 1e-9, "{s:?}");
        assert!((h.percentile(100.0).unwrap() - 5000.0).abs() < 1e-9);
        // Garbage in counts as 0, not as a panic.
        h.record(f64::NAN);
        h.record(-3.0);
        assert_eq!(h.count(), 22);
    }

    #[test]
    fn latency_runs_from_the_capture_moment() {
        let base = Instant::now();
        // A paced file: the frame is due at base + 40 ms; decoded early or late, it was captured then.
        let due = base + Duration::from_millis(40);
        assert_eq!(capture_moment(Some(due), base + Duration::from_millis(10)), due);
        assert_eq!(capture_moment(Some(due), base + Duration::from_millis(70)), due);
        // A camera: the moment the source returned it.
        assert_eq!(capture_moment(None, base), base);
        let emitted = due + Duration::from_micros(62_500);
        assert!((frame_to_cue_ms(due, emitted) - 62.5).abs() < 1e-6);
        assert_eq!(frame_to_cue_ms(emitted, due), 0.0);
    }
}
