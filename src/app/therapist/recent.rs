//! The call so far, in memory only: every analysed result the screen saw (the numbers) and, from
//! the recent past, a reduced copy of the picture, to scrub back to a rep.
//!
//! **Memory bound.** The numbers: at most [`MAX_RESULTS`] entries (20 minutes at 30 results a
//! second; under 1 KB each, so under about 36 MB). The pictures: one every [`PICTURE_EVERY_S`]
//! seconds of call time, reduced to at most [`PICTURE_MAX_WIDTH`] pixels wide, and at most
//! [`PICTURE_BUDGET_BYTES`] (128 MiB) of them: about 90 s of the call at 640 x 360. The oldest go
//! first. Nothing here is written to disk; only a key frame the therapist opts into is saved.

use std::collections::VecDeque;

use crate::form::{Exercise, LiveState};
use crate::frame::Frame;
use crate::pose::skeleton::Pose;

/// Most results kept (the oldest are dropped).
pub const MAX_RESULTS: usize = 36_000;
/// A picture is kept at most this often (s of call time).
pub const PICTURE_EVERY_S: f64 = 0.5;
/// Widest kept picture (px); a narrower one is kept as it is.
pub const PICTURE_MAX_WIDTH: u32 = 640;
/// Bytes of kept pictures, at most.
pub const PICTURE_BUDGET_BYTES: usize = 128 * 1024 * 1024;

/// One analysed frame's numbers, on the call's clock.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Seconds since analysis began (parts follow each other on one clock).
    pub t: f64,
    /// Which part of the session (one per exercise chosen), from 0.
    pub part: usize,
    pub exercise: Exercise,
    pub present: bool,
    /// The pose, in the analysed picture's pixels.
    pub pose: Pose,
    /// The analysed picture's size.
    pub size: (u32, u32),
    pub form: Option<LiveState>,
    /// Hip hinge: the thoracic gap the person mask measured (torso lengths), when it did.
    pub thoracic_gap: Option<f32>,
    /// Hip hinge: the head's gap on the mask (torso lengths), when it did.
    pub head_gap: Option<f32>,
}

/// A kept picture: packed RGB, reduced; `scale` = its pixels per analysed-picture pixel.
#[derive(Debug, Clone)]
pub struct Picture {
    pub t: f64,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub scale: f32,
}

/// The bounded record of the call so far.
#[derive(Debug, Default)]
pub struct Recent {
    entries: VecDeque<Entry>,
    pictures: VecDeque<Picture>,
    picture_bytes: usize,
    /// Rep ends (call time, part, rep number in its part), in order; never dropped (a few bytes each).
    reps: Vec<(f64, usize, u32)>,
}

impl Recent {
    /// Adds a result, and its picture when one is due.
    pub fn push(&mut self, entry: Entry, frame: &Frame) {
        // A new rep counted: mark it on the timeline.
        let count = entry.form.as_ref().map_or(0, |f| f.rep_count);
        let before = self
            .entries
            .back()
            .filter(|e| e.part == entry.part)
            .and_then(|e| e.form.as_ref())
            .map_or(0, |f| f.rep_count);
        if count > before {
            self.reps.push((entry.t, entry.part, count));
        }
        let due = self.pictures.back().is_none_or(|p| entry.t - p.t >= PICTURE_EVERY_S || entry.t < p.t);
        if due {
            let p = reduce(frame, entry.t);
            self.picture_bytes += p.rgb.len();
            self.pictures.push_back(p);
            while self.picture_bytes > PICTURE_BUDGET_BYTES {
                let Some(old) = self.pictures.pop_front() else { break };
                self.picture_bytes -= old.rgb.len();
            }
        }
        self.entries.push_back(entry);
        while self.entries.len() > MAX_RESULTS {
            self.entries.pop_front();
        }
    }

    /// The call time of the first and last result kept.
    #[must_use]
    pub fn span(&self) -> Option<(f64, f64)> {
        Some((self.entries.front()?.t, self.entries.back()?.t))
    }

    /// The result nearest `t`.
    #[must_use]
    pub fn entry_at(&self, t: f64) -> Option<&Entry> {
        nearest(&self.entries, t, |e| e.t)
    }

    /// The kept picture nearest `t`, when one is within a second of it.
    #[must_use]
    pub fn picture_at(&self, t: f64) -> Option<&Picture> {
        nearest(&self.pictures, t, |p| p.t).filter(|p| (p.t - t).abs() <= 1.0)
    }

    /// The oldest call time a picture is still kept for.
    #[must_use]
    pub fn pictures_from(&self) -> Option<f64> {
        self.pictures.front().map(|p| p.t)
    }

    /// Rep ends so far: (call time, part, rep number in its part).
    #[must_use]
    pub fn reps(&self) -> &[(f64, usize, u32)] {
        &self.reps
    }

    /// Bytes the kept pictures take.
    #[must_use]
    pub fn picture_bytes(&self) -> usize {
        self.picture_bytes
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn nearest<T>(v: &VecDeque<T>, t: f64, time: impl Fn(&T) -> f64) -> Option<&T> {
    if v.is_empty() {
        return None;
    }
    let i = v.partition_point(|x| time(x) < t);
    let candidates = [i.checked_sub(1), Some(i).filter(|&i| i < v.len())];
    candidates.into_iter().flatten().map(|i| &v[i]).min_by(|a, b| (time(a) - t).abs().total_cmp(&(time(b) - t).abs()))
}

/// The frame reduced to at most [`PICTURE_MAX_WIDTH`] wide (nearest pixel).
#[must_use]
pub fn reduce(frame: &Frame, t: f64) -> Picture {
    let rgb = frame.rgb();
    let (w, h) = (frame.width.max(1), frame.height.max(1));
    if w <= PICTURE_MAX_WIDTH {
        return Picture { t, width: w, height: h, rgb: rgb.into_owned(), scale: 1.0 };
    }
    let scale = PICTURE_MAX_WIDTH as f32 / w as f32;
    let (nw, nh) = (PICTURE_MAX_WIDTH, ((h as f32 * scale).round() as u32).max(1));
    let mut out = Vec::with_capacity((nw * nh * 3) as usize);
    for y in 0..nh {
        let sy = ((y as f32 + 0.5) / scale) as u32;
        let row = sy.min(h - 1) as usize * w as usize;
        for x in 0..nw {
            let sx = (((x as f32 + 0.5) / scale) as u32).min(w - 1) as usize;
            let i = (row + sx) * 3;
            out.extend_from_slice(&rgb[i..i + 3]);
        }
    }
    Picture { t, width: nw, height: nh, rgb: out, scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: f64, reps: u32, part: usize) -> Entry {
        let mut form = LiveState::empty(t);
        form.rep_count = reps;
        Entry {
            t,
            part,
            exercise: Exercise::Hinge,
            present: true,
            pose: Pose::default(),
            size: (1280, 720),
            form: Some(form),
            thoracic_gap: None,
            head_gap: None,
        }
    }

    #[test]
    fn pictures_stay_within_the_budget_and_reps_are_marked() {
        let frame = Frame::new(0, 0.0, 1280, 720, vec![7; 1280 * 720 * 3]);
        let mut r = Recent::default();
        let per = 640 * 360 * 3;
        let n = PICTURE_BUDGET_BYTES / per + 40;
        for i in 0..n * 15 {
            let t = i as f64 / 30.0;
            r.push(entry(t, (i / 90) as u32, 0), &frame);
        }
        assert!(r.picture_bytes() <= PICTURE_BUDGET_BYTES);
        assert_eq!(r.picture_bytes() % per, 0);
        assert_eq!(r.picture_bytes() / per, PICTURE_BUDGET_BYTES / per, "the budget is filled, not exceeded");
        let last = r.span().unwrap().1;
        assert!(r.picture_at(last).is_some());
        assert!(r.picture_at(0.0).is_none(), "the oldest pictures were dropped");
        assert!(r.entry_at(0.0).is_some(), "the numbers are kept longer");
        let p = r.picture_at(last).unwrap();
        assert_eq!((p.width, p.height), (640, 360));
        assert!((p.scale - 0.5).abs() < 1e-6);
        // A rep every 90 results (3 s), each marked once at its time.
        assert_eq!(r.reps().len(), (n * 15 - 1) / 90);
        assert!((r.reps()[0].0 - 3.0).abs() < 1e-9);
        // A new part starts counting from 0 again: its first rep is marked too.
        let t = last + 1.0;
        r.push(entry(t, 0, 1), &frame);
        r.push(entry(t + 0.1, 1, 1), &frame);
        assert_eq!(r.reps().last(), Some(&(t + 0.1, 1, 1)));
    }

    #[test]
    fn results_are_bounded() {
        let frame = Frame::new(0, 0.0, 16, 16, vec![0; 16 * 16 * 3]);
        let mut r = Recent::default();
        for i in 0..MAX_RESULTS + 10 {
            r.push(entry(i as f64 * 0.01, 0, 0), &frame);
        }
        assert_eq!(r.len(), MAX_RESULTS);
        assert!((r.span().unwrap().0 - 0.1).abs() < 1e-9);
        assert!((r.entry_at(5.004).unwrap().t - 5.0).abs() < 1e-9);
    }
}
