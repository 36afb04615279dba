//! The review's timeline model, built once from an analysis: spans of reps and holds, fault
//! bands, the next and previous fault onset and the frame nearest a time. Pure: no UI.

use crate::form::{ExerciseReport, FaultId, Severity};
use crate::pipeline::analyze::FrameOut;

/// A rep or a hold on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The rep's or hold's number (from 1).
    pub index: u32,
    pub start_s: f64,
    pub end_s: f64,
    /// Whether it had any fault.
    pub faulty: bool,
}

/// A stretch of time during which a fault was active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultBand {
    pub start_s: f64,
    pub end_s: f64,
    /// The fault was only reported for the whole rep (no frame had it active): the band is the rep.
    pub whole_rep: bool,
}

/// One fault's row on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRow {
    pub fault: FaultId,
    pub severity: Severity,
    /// In time order, not overlapping.
    pub bands: Vec<FaultBand>,
}

/// The timeline's content, built once from an analysis: pure, no UI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Time of each frame (s), ascending.
    pub times: Vec<f64>,
    pub reps: Vec<Span>,
    pub holds: Vec<Span>,
    /// Major faults first, then by id.
    pub faults: Vec<FaultRow>,
}

impl Timeline {
    /// Builds the timeline from the analysed frames (their `active_faults`) and the report (reps,
    /// holds and the faults each rep or hold was given).
    #[must_use]
    pub(crate) fn new(frames: &[FrameOut], report: Option<&ExerciseReport>) -> Self {
        let times: Vec<f64> = frames.iter().map(|f| f.t).collect();
        let mut rows: Vec<FaultRow> = Vec::new();
        let row_of = |rows: &mut Vec<FaultRow>, fault: FaultId| -> usize {
            if let Some(i) = rows.iter().position(|r| r.fault == fault) {
                return i;
            }
            rows.push(FaultRow { fault, severity: fault.severity(), bands: Vec::new() });
            rows.len() - 1
        };
        // Runs of consecutive frames with the fault active; a band ends where the next frame begins.
        let mut open: Vec<(FaultId, f64)> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let active: &[FaultId] = f.form.as_ref().map_or(&[], |s| s.active_faults.as_slice());
            let end_t = f.t;
            open.retain(|&(fault, start)| {
                if active.contains(&fault) {
                    return true;
                }
                let r = row_of(&mut rows, fault);
                rows[r].bands.push(FaultBand { start_s: start, end_s: end_t, whole_rep: false });
                false
            });
            for &fault in active {
                if !open.iter().any(|o| o.0 == fault) {
                    open.push((fault, f.t));
                }
            }
            if i + 1 == frames.len() {
                for &(fault, start) in &open {
                    let r = row_of(&mut rows, fault);
                    rows[r].bands.push(FaultBand { start_s: start, end_s: f.t, whole_rep: false });
                }
            }
        }
        let mut reps = Vec::new();
        let mut holds = Vec::new();
        if let Some(report) = report {
            let spans = report
                .reps
                .iter()
                .map(|r| (r.start_s, r.end_s, &r.faults))
                .chain(report.holds.iter().map(|h| (h.start_s, h.end_s, &h.faults)));
            for (start_s, end_s, faults) in spans {
                // A fault the rep was given but no frame showed active is drawn over the whole rep.
                for &fault in faults {
                    let r = row_of(&mut rows, fault);
                    let seen = rows[r].bands.iter().any(|b| b.start_s <= end_s && b.end_s >= start_s);
                    if !seen {
                        rows[r].bands.push(FaultBand { start_s, end_s, whole_rep: true });
                    }
                }
            }
            reps = report
                .reps
                .iter()
                .map(|r| Span { index: r.index, start_s: r.start_s, end_s: r.end_s, faulty: !r.faults.is_empty() })
                .collect();
            holds = report
                .holds
                .iter()
                .map(|h| Span { index: h.index, start_s: h.start_s, end_s: h.end_s, faulty: !h.faults.is_empty() })
                .collect();
        }
        for r in &mut rows {
            r.bands.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        }
        rows.sort_by_key(|r| (r.severity, r.fault));
        Self { times, reps, holds, faults: rows }
    }

    /// Time of the first frame (0 without frames).
    #[must_use]
    pub fn start(&self) -> f64 {
        self.times.first().copied().unwrap_or(0.0)
    }

    /// Time of the last frame (0 without frames).
    #[must_use]
    pub fn end(&self) -> f64 {
        self.times.last().copied().unwrap_or(0.0)
    }

    /// The frame whose time is nearest `t` (the earlier one on a tie); 0 without frames.
    #[must_use]
    pub fn nearest_frame(&self, t: f64) -> usize {
        let n = self.times.len();
        if n == 0 {
            return 0;
        }
        let i = self.times.partition_point(|&x| x < t);
        if i == 0 {
            0
        } else if i >= n {
            n - 1
        } else if (self.times[i] - t) < (t - self.times[i - 1]) {
            i
        } else {
            i - 1
        }
    }

    /// Frame `i` moved by `delta` frames, kept within the clip.
    #[must_use]
    pub(crate) fn step(&self, i: usize, delta: i64) -> usize {
        let last = self.times.len().saturating_sub(1) as i64;
        (i as i64 + delta).clamp(0, last.max(0)) as usize
    }

    /// Every fault onset (the start of each band), ascending, without repeats.
    #[must_use]
    pub(crate) fn onsets(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.faults.iter().flat_map(|r| r.bands.iter().map(|b| b.start_s)).collect();
        v.sort_by(f64::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        v
    }

    /// The frame of the first fault onset after frame `i` (None when there is none).
    #[must_use]
    pub fn next_fault(&self, i: usize) -> Option<usize> {
        self.onsets().into_iter().map(|t| self.nearest_frame(t)).find(|&k| k > i)
    }

    /// The frame of the last fault onset before frame `i` (None when there is none).
    #[must_use]
    pub fn previous_fault(&self, i: usize) -> Option<usize> {
        self.onsets().into_iter().rev().map(|t| self.nearest_frame(t)).find(|&k| k < i)
    }

    /// The horizontal position of `t` on a timeline drawn from `x0` to `x1`.
    #[must_use]
    pub(crate) fn x_of(&self, t: f64, x0: f32, x1: f32) -> f32 {
        let (a, b) = (self.start(), self.end());
        let f = if b > a { ((t - a) / (b - a)).clamp(0.0, 1.0) } else { 0.0 };
        x0 + (x1 - x0) * f as f32
    }

    /// The time at horizontal position `x` on a timeline drawn from `x0` to `x1`.
    #[must_use]
    pub(crate) fn t_at(&self, x: f32, x0: f32, x1: f32) -> f64 {
        let f = if x1 > x0 { f64::from(((x - x0) / (x1 - x0)).clamp(0.0, 1.0)) } else { 0.0 };
        self.start() + (self.end() - self.start()) * f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{LiveAngles, RepRecord, View};
    use crate::pipeline::analyze::FormState;

    fn frame(i: usize, faults: &[FaultId]) -> FrameOut {
        FrameOut {
            index: i as u64,
            t: i as f64 * 0.1,
            present: true,
            keypoints: Vec::new(),
            file: None,
            back_refused: None,
            body3d: None,
            form: Some(FormState {
                view: View::Side,
                in_view: true,
                phase: "standing".into(),
                rep_count: 0,
                attempts: 0,
                hold_seconds_in_form: 0.0,
                active_faults: faults.to_vec(),
                angles: LiveAngles::default(),
                dowel: None,
            }),
            back: None,
        }
    }

    fn rep(index: u32, start_s: f64, end_s: f64, faults: &[FaultId]) -> RepRecord {
        RepRecord {
            index,
            side: None,
            start_s,
            end_s,
            faults: faults.to_vec(),
            fault_durations: Default::default(),
            hinge: None,
            bird_dog: None,
            rom: vec![],
        }
    }

    fn report(reps: Vec<RepRecord>) -> ExerciseReport {
        ExerciseReport {
            name: "hinge".into(),
            reps,
            holds: Vec::new(),
            attempts: Vec::new(),
            cues: Vec::new(),
            not_in_view_s: 0.0,
        }
    }

    /// 20 frames at 0.1 s: rounded back in frames 3-5 and 12-13, head drop in 8-9, and too fast
    /// only on rep 2 (no frame shows it).
    fn sample() -> Timeline {
        use FaultId::{HeadDrop, RoundedBack};
        let frames: Vec<FrameOut> = (0..20)
            .map(|i| match i {
                3..=5 | 12 | 13 => frame(i, &[RoundedBack]),
                8 | 9 => frame(i, &[HeadDrop]),
                _ => frame(i, &[]),
            })
            .collect();
        let reps =
            vec![rep(1, 0.2, 0.9, &[RoundedBack, HeadDrop]), rep(2, 1.05, 1.8, &[RoundedBack, FaultId::TooFast])];
        Timeline::new(&frames, Some(&report(reps)))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fault_bands_follow_the_frames_and_the_reps() {
        let tl = sample();
        let names: Vec<FaultId> = tl.faults.iter().map(|r| r.fault).collect();
        // Major first (rounded back, too fast), then minor (head drop).
        assert_eq!(names, vec![FaultId::RoundedBack, FaultId::TooFast, FaultId::HeadDrop]);
        let rb = &tl.faults[0].bands;
        assert_eq!(rb.len(), 2);
        assert!(close(rb[0].start_s, 0.3) && close(rb[0].end_s, 0.6), "{rb:?}");
        assert!(close(rb[1].start_s, 1.2) && close(rb[1].end_s, 1.4), "{rb:?}");
        assert!(rb.iter().all(|b| !b.whole_rep));
        // too_fast was only given to rep 2: its band is the rep.
        let tf = &tl.faults[1].bands;
        assert_eq!(tf.len(), 1);
        assert!(tf[0].whole_rep && close(tf[0].start_s, 1.05) && close(tf[0].end_s, 1.8));
        assert_eq!(tl.faults[2].severity, Severity::Minor);
        assert_eq!(tl.reps.len(), 2);
        assert!(tl.reps[0].faulty);
    }

    #[test]
    fn a_fault_still_active_at_the_end_closes_on_the_last_frame() {
        let frames: Vec<FrameOut> = (0..5).map(|i| frame(i, if i >= 3 { &[FaultId::HipsSag] } else { &[] })).collect();
        let tl = Timeline::new(&frames, None);
        assert_eq!(tl.faults.len(), 1);
        let b = tl.faults[0].bands[0];
        assert!(close(b.start_s, 0.3) && close(b.end_s, 0.4), "{b:?}");
    }

    #[test]
    fn nearest_frame_and_steps_stay_in_the_clip() {
        let tl = sample();
        assert_eq!(tl.nearest_frame(-5.0), 0);
        assert_eq!(tl.nearest_frame(0.34), 3);
        assert_eq!(tl.nearest_frame(0.36), 4);
        assert_eq!(tl.nearest_frame(99.0), 19);
        assert_eq!(tl.step(0, -1), 0);
        assert_eq!(tl.step(5, 1), 6);
        assert_eq!(tl.step(19, 1), 19);
        let halves = Timeline { times: vec![0.0, 0.5, 1.0], ..Timeline::default() };
        assert_eq!(halves.nearest_frame(0.25), 0, "a tie goes to the earlier frame");
        assert_eq!(halves.nearest_frame(0.75), 1);
        assert_eq!(Timeline::default().nearest_frame(1.0), 0);
        assert_eq!(Timeline::default().step(0, 1), 0);
    }

    #[test]
    fn next_and_previous_fault_visit_every_onset_in_order() {
        let tl = sample();
        // Onsets: 0.3 (rounded back), 0.8 (head drop), 1.05 (too fast, whole rep 2), 1.2 (rounded back).
        let mut at = 0;
        let mut visited = Vec::new();
        while let Some(k) = tl.next_fault(at) {
            visited.push(k);
            at = k;
        }
        // 1.05 s is nearest frame 10 (a tie between 10 and 11 goes to 10).
        assert_eq!(visited, vec![3, 8, 10, 12]);
        let mut back = Vec::new();
        while let Some(k) = tl.previous_fault(at) {
            back.push(k);
            at = k;
        }
        assert_eq!(back, vec![10, 8, 3]);
        assert_eq!(tl.previous_fault(3), None);
        assert_eq!(tl.next_fault(12), None);
    }

    #[test]
    fn positions_and_times_map_both_ways() {
        let tl = sample();
        assert!((tl.x_of(0.0, 100.0, 290.0) - 100.0).abs() < 1e-3);
        assert!((tl.x_of(1.9, 100.0, 290.0) - 290.0).abs() < 1e-3);
        assert!((tl.x_of(0.95, 100.0, 290.0) - 195.0).abs() < 1e-3);
        assert!(close(tl.t_at(195.0, 100.0, 290.0), 0.95));
        assert!(close(tl.t_at(0.0, 100.0, 290.0), 0.0), "left of the timeline is its start");
    }
}
