//! Spoken cues: a person bent over or facing the floor cannot read the screen.
//!
//! Each cue text is spoken once into a WAV file by `espeak-ng` (cached by cue id and text in the
//! user's cache folder), then played with rodio on a thread of its own. With no sound device, or
//! no `espeak-ng`, the speaker says so once ([`SpeechStatus`]) and the app carries on with the
//! cues on screen. Nothing leaves the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// Whether cues can be heard, and if not, why (shown once in the window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpeechStatus {
    Starting,
    Ready,
    /// No audio output could be opened: cues are visual only.
    NoDevice(String),
    /// Cues cannot be turned into speech (espeak-ng missing or failing).
    NoVoice(String),
}

impl SpeechStatus {
    /// A sentence for the user, when cues cannot be heard.
    #[must_use]
    pub(crate) fn problem(&self) -> Option<String> {
        match self {
            SpeechStatus::NoDevice(e) => Some(format!("No sound device ({e}): cues are shown on screen only.")),
            SpeechStatus::NoVoice(e) => {
                Some(format!("Cues cannot be spoken ({e}): run scripts/setup.sh to install espeak-ng."))
            }
            _ => None,
        }
    }
}

/// Why a cue cannot be spoken.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("espeak-ng is not installed")]
    NoEspeak,
    #[error("{0}")]
    RunEspeak(#[source] std::io::Error),
    #[error("espeak-ng failed: {0}")]
    EspeakFailed(String),
    #[error("cannot create {}: {source}", path.display())]
    CreateCache { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    SaveCue(#[source] std::io::Error),
    #[error("{0}")]
    OpenCue(#[source] std::io::Error),
    #[error("{0}")]
    DecodeCue(#[source] rodio::decoder::DecoderError),
}

enum Msg {
    Say { id: String, text: String },
    Volume(f32),
}

/// The speaker. Cheap to call from the UI thread: nothing here waits.
pub struct Speaker {
    tx: Sender<Msg>,
    status: Arc<Mutex<SpeechStatus>>,
    muted: bool,
    volume: f32,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker").field("status", &self.status()).field("muted", &self.muted).finish_non_exhaustive()
    }
}

/// Where spoken cues are cached: `$XDG_CACHE_HOME/formcheck/cues` or `~/.cache/formcheck/cues`.
#[must_use]
pub fn cache_dir() -> PathBuf {
    crate::paths::cue_cache_dir()
}

/// The cached WAV of `text` under `id`, spoken by espeak-ng if not there yet.
///
/// # Errors
/// When espeak-ng is missing or fails, or the cache cannot be written.
pub fn synthesize(dir: &Path, id: &str, text: &str) -> Result<PathBuf, SpeechError> {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' }).collect();
    // The text is part of the name: a changed cue text is spoken anew.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("{safe}-{hash:016x}.wav"));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(dir).map_err(|source| SpeechError::CreateCache { path: dir.to_path_buf(), source })?;
    let tmp = path.with_extension("tmp.wav");
    let out = Command::new("espeak-ng")
        .args(["-s", "150", "-w"])
        .arg(&tmp)
        .arg(text)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound { SpeechError::NoEspeak } else { SpeechError::RunEspeak(e) }
        })?;
    if !out.status.success() {
        return Err(SpeechError::EspeakFailed(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    std::fs::rename(&tmp, &path).map_err(SpeechError::SaveCue)?;
    Ok(path)
}

impl Speaker {
    /// Starts the speech thread. It opens the default audio output; if that fails the status
    /// says so and every cue is silently dropped.
    #[must_use]
    pub(crate) fn start() -> Self {
        let (tx, rx) = channel();
        let status = Arc::new(Mutex::new(SpeechStatus::Starting));
        let st = Arc::clone(&status);
        let spawned =
            std::thread::Builder::new().name("speech".into()).spawn(move || speech_thread(&rx, &st, &cache_dir()));
        if let Err(e) = spawned {
            *status.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = SpeechStatus::NoDevice(e.to_string());
        }
        Self { tx, status, muted: false, volume: 1.0 }
    }

    /// Speaks `text` (replacing whatever is being said: one cue at a time). Ignored when muted.
    pub(crate) fn say(&self, id: &str, text: &str) {
        if !self.muted {
            let _ = self.tx.send(Msg::Say { id: id.to_string(), text: text.to_string() });
        }
    }

    pub(crate) fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
    }

    #[must_use]
    pub fn muted(&self) -> bool {
        self.muted
    }

    /// Volume 0..=1.
    pub(crate) fn set_volume(&mut self, volume: f32) {
        self.volume = volume.clamp(0.0, 1.0);
        let _ = self.tx.send(Msg::Volume(self.volume));
    }

    #[must_use]
    pub(crate) fn volume(&self) -> f32 {
        self.volume
    }

    /// Waits (at most `timeout`) until the speech thread has opened the audio output or found
    /// there is none.
    pub(crate) fn wait_started(&self, timeout: std::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while self.status() == SpeechStatus::Starting && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[must_use]
    pub(crate) fn status(&self) -> SpeechStatus {
        self.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

fn speech_thread(rx: &Receiver<Msg>, status: &Mutex<SpeechStatus>, dir: &Path) {
    let set = |s: SpeechStatus| *status.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = s;
    let sink = match rodio::DeviceSinkBuilder::open_default_sink() {
        Ok(s) => s,
        Err(e) => {
            set(SpeechStatus::NoDevice(e.to_string()));
            // Keep draining so senders never notice; nothing is played.
            while rx.recv().is_ok() {}
            return;
        }
    };
    let player = rodio::Player::connect_new(sink.mixer());
    set(SpeechStatus::Ready);
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Volume(v) => player.set_volume(v),
            Msg::Say { id, text } => {
                let file =
                    synthesize(dir, &id, &text).and_then(|p| std::fs::File::open(p).map_err(SpeechError::OpenCue));
                match file.and_then(|f| rodio::Decoder::try_from(f).map_err(SpeechError::DecodeCue)) {
                    Ok(source) => {
                        player.clear();
                        player.append(source);
                        player.play();
                    }
                    Err(e) => set(SpeechStatus::NoVoice(e.to_string())),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn espeak_speaks_a_cue_into_a_cached_wav() {
        let dir = std::env::temp_dir().join(format!("formcheck-speech-test-{}", std::process::id()));
        let p = synthesize(&dir, "fault.rounded_back", "Keep the dowel touching your head.")
            .expect("espeak-ng works (scripts/setup.sh installs it)");
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.starts_with(b"RIFF") && bytes.len() > 8_000, "{} bytes", bytes.len());
        // Cached: the same cue is not spoken again.
        let before = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = synthesize(&dir, "fault.rounded_back", "Keep the dowel touching your head.").unwrap();
        assert_eq!(again, p);
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
        // Another text under the same id is a new file.
        assert_ne!(synthesize(&dir, "fault.rounded_back", "Another text.").unwrap(), p);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn speaker_never_blocks_and_reports_its_state() {
        let mut s = Speaker::start();
        s.say("rep.count.1", "one");
        s.set_volume(0.5);
        s.set_muted(true);
        s.say("rep.count.2", "two");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while s.status() == SpeechStatus::Starting && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // On a machine without a sound card this says so, with a sentence for the user.
        match s.status() {
            SpeechStatus::Ready => {}
            SpeechStatus::NoDevice(_) | SpeechStatus::NoVoice(_) => assert!(s.status().problem().is_some()),
            SpeechStatus::Starting => panic!("the speech thread never started"),
        }
    }
}
