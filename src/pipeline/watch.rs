//! Watching a live capture of a video call (a window or a region of the screen): whether the
//! patient is still in the picture, and how many frames the capture missed.
//!
//! The pose stage keeps tracking the person wherever they move in the picture (its region of
//! interest follows them, and it looks over the whole picture again when it loses them), so a tile
//! that moves inside an uncropped window is followed. What it cannot know is that the picture
//! stopped showing the patient: speaker view swapped the tile, the call window was resized so the
//! tile the therapist cropped to now shows something else. [`PatientWatch`] says so: once the
//! patient has been seen, no person for [`LOST_AFTER_S`] seconds of the capture's own time is
//! "lost the patient: pick the region again" ([`LOST_PATIENT`]). A capture that ended because the
//! window changed size under a tile ([`crate::capture::SourceError::PatientLost`]) is recorded the
//! same way ([`PatientWatch::source_lost`]).
//!
//! Time is the frames' timestamps, never the wall clock. A capture delivers at most
//! `SourceInfo::fps` frames a second; the frames it did not deliver because the analysis was busy
//! are counted from the gaps between timestamps ([`CaptureReport::dropped_frames`]).

/// What the therapist is told when the patient is no longer in the captured picture.
pub const LOST_PATIENT: &str = "lost the patient: pick the region again";

/// Seconds without a person, after the patient was seen, before the patient counts as lost.
pub const LOST_AFTER_S: f64 = 3.0;

/// Where the patient is, as far as the capture can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatientStatus {
    /// Not seen yet (the call may show a title card, an empty room, a patient setting up).
    Waiting,
    /// A person is in the picture, or was within the last [`LOST_AFTER_S`] seconds.
    Tracking,
    /// Seen, then gone for [`LOST_AFTER_S`] seconds: show [`LOST_PATIENT`]. Clears itself when a
    /// person is back in the picture.
    Lost,
}

/// One time the patient was lost.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LostPatient {
    /// The capture's time when the loss was decided, in seconds.
    pub t: f64,
    /// Why, for the therapist.
    pub reason: String,
}

/// What a live capture's analysis adds to its JSON (`capture`) and its timing line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaptureReport {
    /// Frames analysed.
    pub frames: u64,
    /// Seconds of capture, first frame to last.
    pub seconds: f64,
    /// Frames analysed per second of capture.
    pub analysed_fps: f64,
    /// The most the capture delivers a second.
    pub capture_fps: Option<f64>,
    /// Frames the capture did not take because the analysis was still busy with an earlier one.
    pub dropped_frames: u64,
    /// Every time the patient was lost, in order.
    pub lost_patient: Vec<LostPatient>,
}

/// Follows a live capture frame by frame: see the module's documentation.
#[derive(Debug, Clone)]
pub struct PatientWatch {
    fps: Option<f64>,
    status: PatientStatus,
    last_seen: Option<f64>,
    first_t: Option<f64>,
    last_t: Option<f64>,
    frames: u64,
    dropped: u64,
    lost: Vec<LostPatient>,
}

impl PatientWatch {
    /// A watch for a capture delivering at most `fps` frames a second (`None`: not known, and no
    /// frames are counted as dropped).
    #[must_use]
    pub fn new(fps: Option<f64>) -> Self {
        Self {
            fps: fps.filter(|f| f.is_finite() && *f > 0.0),
            status: PatientStatus::Waiting,
            last_seen: None,
            first_t: None,
            last_t: None,
            frames: 0,
            dropped: 0,
            lost: Vec::new(),
        }
    }

    /// One analysed frame at time `t`, with a person in it or not. Returns the loss when this
    /// frame is the one that decides the patient is lost.
    pub fn push(&mut self, t: f64, present: bool) -> Option<&LostPatient> {
        if let (Some(prev), Some(fps)) = (self.last_t, self.fps) {
            let slots = ((t - prev) * fps).round();
            if slots > 1.0 {
                self.dropped += slots as u64 - 1;
            }
        }
        self.first_t.get_or_insert(t);
        self.last_t = Some(t);
        self.frames += 1;
        if present {
            self.last_seen = Some(t);
            self.status = PatientStatus::Tracking;
            return None;
        }
        match (self.status, self.last_seen) {
            (PatientStatus::Tracking, Some(seen)) if t - seen >= LOST_AFTER_S => {
                self.status = PatientStatus::Lost;
                self.lost.push(LostPatient {
                    t,
                    reason: format!("no person in the picture for {LOST_AFTER_S:.0} s (since {seen:.1} s)"),
                });
                self.lost.last()
            }
            _ => None,
        }
    }

    /// The capture ended because the patient's tile can no longer be trusted (the window changed
    /// size): record it at the last frame's time.
    pub fn source_lost(&mut self, reason: &str) -> &LostPatient {
        self.status = PatientStatus::Lost;
        self.lost.push(LostPatient { t: self.last_t.unwrap_or(0.0), reason: reason.to_string() });
        let last = self.lost.len() - 1;
        &self.lost[last]
    }

    /// Where the patient is now.
    #[must_use]
    pub fn status(&self) -> PatientStatus {
        self.status
    }

    /// The figures and losses so far.
    #[must_use]
    pub fn report(&self) -> CaptureReport {
        let seconds = match (self.first_t, self.last_t, self.fps) {
            // The last frame covers one frame's time too.
            (Some(a), Some(b), Some(fps)) => b - a + 1.0 / fps,
            (Some(a), Some(b), None) => b - a,
            _ => 0.0,
        };
        CaptureReport {
            frames: self.frames,
            seconds,
            analysed_fps: if seconds > 0.0 { self.frames as f64 / seconds } else { 0.0 },
            capture_fps: self.fps,
            dropped_frames: self.dropped,
            lost_patient: self.lost.clone(),
        }
    }
}

impl CaptureReport {
    /// One line for the command line's timing output.
    #[must_use]
    pub fn summary(&self) -> String {
        format!(
            "{} frames in {:.1} s of capture: {:.1} fps analysed, {} frames dropped (capture at up to {} fps)",
            self.frames,
            self.seconds,
            self.analysed_fps,
            self.dropped_frames,
            self.capture_fps.map_or_else(|| "?".to_string(), |f| format!("{f:.0}"))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(w: &mut PatientWatch, from: f64, to: f64, present: bool) -> Vec<LostPatient> {
        let mut lost = Vec::new();
        let mut t = from;
        while t < to - 1e-9 {
            lost.extend(w.push(t, present).cloned());
            t += 0.1;
        }
        lost
    }

    #[test]
    fn no_person_before_the_patient_appears_is_not_a_loss() {
        let mut w = PatientWatch::new(Some(10.0));
        assert!(feed(&mut w, 0.0, 10.0, false).is_empty(), "a title card is not a lost patient");
        assert_eq!(w.status(), PatientStatus::Waiting);
        feed(&mut w, 10.0, 12.0, true);
        assert_eq!(w.status(), PatientStatus::Tracking);
    }

    #[test]
    fn the_patient_is_lost_after_three_seconds_once_and_found_again() {
        let mut w = PatientWatch::new(Some(10.0));
        feed(&mut w, 0.0, 5.0, true);
        // A short gap (the patient turns away, a frame misread) is not a loss.
        assert!(feed(&mut w, 5.0, 7.5, false).is_empty());
        feed(&mut w, 7.5, 8.0, true);
        let lost = feed(&mut w, 8.0, 14.0, false);
        assert_eq!(lost.len(), 1, "one loss, not one per frame: {lost:?}");
        assert!((lost[0].t - (7.9 + LOST_AFTER_S)).abs() < 0.11, "lost at {}", lost[0].t);
        assert_eq!(w.status(), PatientStatus::Lost);
        feed(&mut w, 14.0, 15.0, true);
        assert_eq!(w.status(), PatientStatus::Tracking);
        assert_eq!(feed(&mut w, 15.0, 19.0, false).len(), 1, "lost a second time");
        assert_eq!(w.report().lost_patient.len(), 2);
    }

    #[test]
    fn frames_the_capture_skipped_are_counted_from_the_gaps() {
        let mut w = PatientWatch::new(Some(30.0));
        let dt = 1.0 / 30.0;
        // 10 frames on time, then a gap of 3 frame slots (2 missed), then one of 2 slots (1 missed).
        let mut times: Vec<f64> = (0..10).map(|i| f64::from(i) * dt).collect();
        times.push(12.0 * dt);
        times.push(14.0 * dt);
        for t in times {
            w.push(t, true);
        }
        let r = w.report();
        assert_eq!((r.frames, r.dropped_frames), (12, 3));
        assert!((r.seconds - 15.0 * dt).abs() < 1e-9);
        assert!((r.analysed_fps - 12.0 / (15.0 * dt)).abs() < 1e-6);
    }

    #[test]
    fn a_source_that_lost_the_tile_is_a_loss_at_the_last_frame() {
        let mut w = PatientWatch::new(None);
        w.push(1.0, true);
        w.push(2.0, true);
        let l = w.source_lost("the window changed size");
        assert_eq!((l.t, l.reason.as_str()), (2.0, "the window changed size"));
        assert_eq!(w.status(), PatientStatus::Lost);
        assert_eq!(w.report().dropped_frames, 0, "no fps known: nothing counted as dropped");
    }
}
