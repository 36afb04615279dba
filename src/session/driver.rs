//! The session driver: one place where a guided session advances.
//!
//! It owns the live pipeline, the [`Coach`], the [`Recorder`], the [`Speaker`] and the cue on
//! screen. The app calls [`SessionDriver::step`] once per pass from eframe's `App::logic`, which
//! eframe also calls while the window is minimised or covered (the pipeline's repaint request
//! wakes it), so coaching never waits for the window to be drawn. The screens only read the
//! driver's state and send it the user's [`Command`]s. Nothing here touches the UI: a test steps a
//! whole guided set without a window.
//!
//! Per new result: the coach is updated with the frame's form state and every form event since
//! the last result; the record is brought up to date; of the cues that arrived (the coach's own and
//! the engine's, filtered by the coach), the most urgent is spoken, written to the record and put
//! on the banner, which clears 3 s (frame time) later.

use crate::capture::SourceInfo;
use crate::coach::{Coach, Inputs, Stage, body_confidence};
use crate::form::Cue;
use crate::pipeline::live::{LivePipeline, LiveResult, LiveStatus};
use crate::session::recorder::Recorder;
use crate::session::speech::Speaker;

/// How long a cue stays on the banner (s of frame time).
const BANNER_S: f64 = 3.0;

/// What the user asked for (keys, buttons). Applied at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Space: start counting now (setup), or pause / resume (set, rest).
    StartPause,
    /// N: the next set or side (set), end the rest (rest), start now (setup).
    NextSetOrSide,
    /// M: mute or unmute the spoken cues.
    ToggleMute,
    /// The mute box.
    SetMuted(bool),
    /// The volume slider, 0..=1.
    SetVolume(f32),
    /// Esc: stop the session and show the summary.
    Stop,
    /// Pain 0–10 before the session (setup screen); the first answer stands.
    PainBefore(u8),
    /// Pain 0–10 after the last finished set (summary); the first answer stands.
    PainRating(u8),
}

/// A cue the driver put on screen, and whether it was also spoken (not when muted or silent).
#[derive(Debug, Clone, PartialEq)]
pub struct ShownCue {
    pub cue: Cue,
    pub spoken: bool,
}

/// How the driver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// No speech (cues on screen only).
    Silent,
    /// Speak through the sound device.
    Speak,
    /// Speak, and wait (at most 10 s) for the audio device's answer first, so a replay shows the
    /// same screens every time.
    SpeakWaitReady,
}

/// The guided session (or the pose alone when there is no coach), stepped outside drawing.
pub struct SessionDriver {
    pipeline: LivePipeline,
    /// The guided session (None: pose only).
    coach: Option<Coach>,
    speaker: Option<Speaker>,
    /// Writes the session to the store as it happens (None: demo, or no store).
    recorder: Option<Recorder>,
    /// The last problem saving (the session goes on).
    record_error: Option<String>,
    /// The last engine cue seen (time, id), so each is handled once.
    engine_cue: Option<(f64, String)>,
    /// The cue on the banner.
    banner: Option<Cue>,
    /// Every cue put on the banner, in order.
    shown: Vec<ShownCue>,
    /// The newest result, and how many results have arrived (the screen uploads a new frame when
    /// this changes).
    last: Option<LiveResult>,
    results: u64,
}

impl std::fmt::Debug for SessionDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionDriver")
            .field("source", &self.pipeline.info.name)
            .field("stage", &self.coach.as_ref().map(Coach::stage))
            .field("results", &self.results)
            .finish_non_exhaustive()
    }
}

impl SessionDriver {
    /// A driver of `pipeline`'s results through `coach` (None: pose only; no speech then),
    /// written by `recorder`.
    #[must_use]
    pub fn new(pipeline: LivePipeline, coach: Option<Coach>, recorder: Option<Recorder>, voice: Voice) -> Self {
        let speaker = match voice {
            Voice::Silent => None,
            Voice::Speak | Voice::SpeakWaitReady => coach.as_ref().map(|_| Speaker::start()),
        };
        if voice == Voice::SpeakWaitReady
            && let Some(s) = &speaker
        {
            s.wait_started(std::time::Duration::from_secs(10));
        }
        Self {
            pipeline,
            coach,
            speaker,
            recorder,
            record_error: None,
            engine_cue: None,
            banner: None,
            shown: Vec::new(),
            last: None,
            results: 0,
        }
    }

    /// Takes the pipeline's newest result, if any, and advances the session by it: the coach,
    /// the record, the cue (spoken, recorded, on the banner). Never waits. Returns whether a new
    /// result arrived.
    pub fn step(&mut self) -> bool {
        let Some(r) = self.pipeline.poll() else { return false };
        let events = self.pipeline.drain_events();
        let mut said: Vec<Cue> = Vec::new();
        if let (Some(coach), Some(form)) = (self.coach.as_mut(), r.form.as_ref()) {
            coach.update(&Inputs {
                t: r.sample.t,
                live: form,
                events: &events,
                confidence: body_confidence(&r.sample.pose),
            });
            said.extend(coach.take_cues());
            if let Some(c) = &form.current_cue {
                let key = (c.t, c.id.clone());
                if self.engine_cue.as_ref() != Some(&key) {
                    self.engine_cue = Some(key);
                    said.extend(coach.filter_engine_cue(c));
                }
            }
        }
        self.sync_record(" The session goes on.");
        // One cue at a time: the most urgent of what arrived with this frame.
        if let Some(cue) = said.into_iter().min_by_key(|c| c.priority) {
            let spoken = self.speaker.as_ref().is_some_and(|s| !s.muted());
            if let Some(s) = &self.speaker {
                s.say(&cue.id, &cue.text);
            }
            if let Some(rec) = self.recorder.as_mut() {
                let _ = rec.cue(&cue);
            }
            self.shown.push(ShownCue { cue: cue.clone(), spoken });
            self.banner = Some(cue);
        }
        if self.banner.as_ref().is_some_and(|b| r.sample.t - b.t > BANNER_S) {
            self.banner = None;
        }
        self.last = Some(r);
        self.results += 1;
        true
    }

    /// Applies the user's command now.
    pub fn command(&mut self, command: Command) {
        match command {
            Command::ToggleMute => {
                if let Some(s) = self.speaker.as_mut() {
                    s.set_muted(!s.muted());
                }
            }
            Command::SetMuted(m) => {
                if let Some(s) = self.speaker.as_mut() {
                    s.set_muted(m);
                }
            }
            Command::SetVolume(v) => {
                if let Some(s) = self.speaker.as_mut() {
                    s.set_volume(v);
                }
            }
            Command::StartPause | Command::NextSetOrSide | Command::Stop | Command::PainBefore(_) => {
                let Some(coach) = self.coach.as_mut() else { return };
                match command {
                    Command::StartPause => coach.space(),
                    Command::NextSetOrSide => coach.next(),
                    Command::Stop => coach.stop(),
                    Command::PainBefore(p) => coach.set_pain_before(p),
                    _ => {}
                }
                // A stopped session ends in the record now, not at the next frame (a video may
                // have ended: there may be none).
                self.sync_record("");
            }
            Command::PainRating(p) => {
                if let Some(coach) = self.coach.as_mut() {
                    coach.set_pain(p);
                    // Pain given on the summary reaches the record now, not at the next frame.
                    self.sync_record("");
                }
            }
        }
    }

    fn sync_record(&mut self, goes_on: &str) {
        if let (Some(rec), Some(coach)) = (self.recorder.as_mut(), self.coach.as_ref())
            && let Err(e) = rec.sync(coach)
        {
            self.record_error = Some(format!("Could not save to the record: {e:#}.{goes_on}"));
        }
    }

    /// The guided session, when there is one.
    #[must_use]
    pub fn coach(&self) -> Option<&Coach> {
        self.coach.as_ref()
    }

    /// Where the session is (None: pose only).
    #[must_use]
    pub fn stage(&self) -> Option<Stage> {
        self.coach.as_ref().map(Coach::stage)
    }

    /// The newest result.
    #[must_use]
    pub fn last(&self) -> Option<&LiveResult> {
        self.last.as_ref()
    }

    /// How many results have arrived so far.
    #[must_use]
    pub(crate) fn results(&self) -> u64 {
        self.results
    }

    /// The cue on the banner now.
    #[must_use]
    pub fn banner(&self) -> Option<&Cue> {
        self.banner.as_ref()
    }

    /// Every cue put on the banner so far, in order, and whether it was spoken.
    #[must_use]
    pub fn shown_cues(&self) -> &[ShownCue] {
        &self.shown
    }

    /// The speaker (None: no guided session, or silent).
    #[must_use]
    pub fn speaker(&self) -> Option<&Speaker> {
        self.speaker.as_ref()
    }

    /// The recorder (None: not recorded).
    #[must_use]
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// The last problem saving the session, for the screen.
    #[must_use]
    pub fn record_error(&self) -> Option<&str> {
        self.record_error.as_deref()
    }

    /// The source being watched.
    #[must_use]
    pub(crate) fn source(&self) -> &SourceInfo {
        &self.pipeline.info
    }

    /// What the pipeline works around (the person mask unavailable), each said once.
    #[must_use]
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.pipeline.warnings()
    }

    /// The pipeline's state (starting, running, ended, failed).
    #[must_use]
    pub(crate) fn status(&self) -> LiveStatus {
        self.pipeline.status()
    }
}
