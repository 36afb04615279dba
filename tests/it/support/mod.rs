//! Helpers shared by the integration tests: where the real-footage corpus is, and its manifest.
//!
//! The corpus is not ours to redistribute and is never committed. It is read from
//! `FORMCHECK_CORPUS`, or `../shared/corpus` beside the repository. A test that needs it and cannot
//! find it fails with a message saying so: it never passes silently.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use formcheck::capture::FrameSource;
use formcheck::form::Exercise;
use formcheck::pipeline::analyze::Analysis;
use formcheck::pose::ModelKind;

/// The corpus folder. Panics with instructions when it is missing.
pub fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("FORMCHECK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    assert!(
        dir.join("MANIFEST.toml").is_file(),
        "\n\nREAL-FOOTAGE CORPUS NOT FOUND at {}.\nThis test needs it and does not pass without it. \
         Put the corpus at ../shared/corpus beside the repository, or set FORMCHECK_CORPUS to its folder.\n",
        dir.display()
    );
    dir
}

/// A file in the corpus, which must exist.
pub fn corpus_file(rel: &str) -> PathBuf {
    let p = corpus_dir().join(rel);
    assert!(p.is_file(), "corpus file missing: {} (is the corpus complete?)", p.display());
    p
}

/// The parsed MANIFEST.toml.
pub fn manifest() -> toml::Table {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.toml")).expect("read MANIFEST.toml");
    text.parse().expect("MANIFEST.toml parses")
}

/// The `file` of every `[[still]]` in the manifest.
pub fn manifest_stills() -> Vec<String> {
    manifest()["still"]
        .as_array()
        .expect("[[still]] entries")
        .iter()
        .map(|s| s["file"].as_str().expect("still.file").to_string())
        .collect()
}

/// The formcheck binary built for these tests.
pub fn formcheck_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_formcheck"))
}

/// Runs a corpus file through the whole pipeline (Thunder, tracking, smoothing) and, when given,
/// the form engine with its default config. Panics, saying why, when the input fails.
///
/// Analysed once per test binary ([`analysis`]): every test that asks for the same file and
/// exercise shares the one analysis.
pub fn analyze_corpus(rel: &str, exercise: Option<formcheck::form::Exercise>) -> Arc<Analysis> {
    analysis(formcheck::pose::ModelKind::Thunder, rel, exercise)
}

type AnalysisCache = Mutex<HashMap<(ModelKind, String, Option<Exercise>), Arc<OnceLock<Arc<Analysis>>>>>;

/// The whole corpus file `rel` analysed by `model` (and the form engine for `exercise`, default
/// config), once per test binary: the tests of every module that ask for the same (model, file,
/// exercise) share it (a test asking while another analyses it waits for that analysis).
pub fn analysis(model: ModelKind, rel: &str, exercise: Option<Exercise>) -> Arc<Analysis> {
    static CACHE: OnceLock<AnalysisCache> = OnceLock::new();
    let cell = CACHE
        .get_or_init(AnalysisCache::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry((model, rel.to_string(), exercise))
        .or_default()
        .clone();
    cell.get_or_init(|| Arc::new(analyze_span(model, rel, exercise, None))).clone()
}

/// A span of a clip on its own clock, in seconds: the frames from `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub from: f64,
    pub to: f64,
}

/// The corpus file `rel` through the whole pipeline with `model` (and the form engine for
/// `exercise`, default config), not cached; with a span, only the frames in it. The frames are
/// the file's own, decoded as for the whole clip (nothing is re-encoded), and keep their times, so
/// every time in the analysis is on the clip's clock. Panics, saying why, when the input fails.
pub fn analyze_span(model: ModelKind, rel: &str, exercise: Option<Exercise>, span: Option<Span>) -> Analysis {
    let path = corpus_file(rel);
    let src = formcheck::capture::open_path(&path, formcheck::frame::PixelFormat::Yuv420p)
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let src: Box<dyn FrameSource> = match span {
        Some(span) => Box::new(Spanned { inner: src, span }),
        None => src,
    };
    let pose = formcheck::pose::PoseModel::load(model, 2).unwrap_or_else(|e| panic!("{e}"));
    let form = exercise.map(|e| (e, formcheck::form::FormConfig::default()));
    let a = formcheck::pipeline::analyze::analyze(rel, src, pose, form, &mut |_, _| {}).expect("analysis");
    assert!(a.error.is_none(), "{rel}: {:?}", a.error);
    if let Some(span) = span {
        let (first, last) = (a.frames.first().map(|f| f.t), a.frames.last().map(|f| f.t));
        assert!(
            first.is_some_and(|t| t >= span.from) && last.is_some_and(|t| t <= span.to),
            "{rel}: frames {first:?}-{last:?} s outside {span:?}"
        );
    }
    a
}

/// A source's frames within a span of its clock (the ones before are decoded and dropped; it ends
/// at the first frame after).
struct Spanned {
    inner: Box<dyn FrameSource>,
    span: Span,
}

impl FrameSource for Spanned {
    fn info(&self) -> &formcheck::capture::SourceInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<formcheck::frame::Frame>, formcheck::capture::SourceError> {
        while let Some(f) = self.inner.next_frame()? {
            if f.t > self.span.to {
                return Ok(None);
            }
            if f.t >= self.span.from {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }
}

/// The session id `formcheck analyze ... --save` prints (`session N`).
pub fn saved_session_id(stdout: &str) -> i64 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("session "))
        .unwrap_or_else(|| panic!("no session id printed:\n{stdout}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("the printed session id is not a number ({e}):\n{stdout}"))
}

/// The window in a test harness of `size`, stepped as eframe does: the app's logic (the session
/// driver, a review or source asked for at launch), then the drawing.
pub fn app_harness(
    app: formcheck::app::FormcheckApp,
    size: egui::Vec2,
    wgpu: bool,
) -> egui_kittest::Harness<'static, formcheck::app::FormcheckApp> {
    let builder = egui_kittest::Harness::builder().with_size(size);
    let builder = if wgpu { builder.wgpu() } else { builder };
    builder.build_ui_state(
        |ui, app: &mut formcheck::app::FormcheckApp| {
            app.logic(ui.ctx());
            app.show(ui);
        },
        app,
    )
}

/// An X server on a display of its own, stopped on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    /// An X server whose screen is `screen` (`WIDTHxHEIGHTxDEPTH`), on a display number Xvfb
    /// picks itself (`-displayfd`): it skips numbers in use and clears the stale lock files that
    /// killed servers leave behind, and it writes the number only once it accepts connections.
    pub fn start(screen: &str) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", screen, "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed by scripts/setup.sh (package xvfb)");
        let out = child.stdout.take().expect("Xvfb's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
            let _ = tx.send(line);
        });
        match rx.recv_timeout(Duration::from_secs(60)).map(|l| l.trim().parse::<u32>()) {
            Ok(Ok(num)) => Xvfb { child, display: format!(":{num}") },
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("could not start Xvfb (it gave no display number within 60 s: {other:?})");
            }
        }
    }

    pub fn screenshot(&self, out: &Path) -> image::RgbImage {
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(out)
            .status()
            .expect("ImageMagick's `import` is installed by scripts/setup.sh (package imagemagick)");
        assert!(status.success(), "screenshot failed");
        image::open(out).expect("screenshot is a PNG").into_rgb8()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An X server with Openbox on it (bare Xvfb lists no windows) and `ffplay` windows, all stopped on
/// drop: the desktop a video call plays on in the capture tests.
pub struct Desktop {
    pub x: Xvfb,
    wm: Child,
    players: Vec<Child>,
}

impl Desktop {
    pub fn start() -> Desktop {
        let x = Xvfb::start("1920x1080x24");
        let wm = Command::new("openbox")
            .env("DISPLAY", &x.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox is installed by scripts/setup.sh (package openbox)");
        Desktop { x, wm, players: Vec::new() }
    }

    /// Plays `input` (ffplay's input arguments) in a window titled `title` of `size` at `pos`.
    pub fn play(&mut self, input: &[&str], title: &str, size: (u32, u32), pos: (u32, u32)) {
        let child = Command::new("ffplay")
            .args(["-loglevel", "error", "-an", "-autoexit", "-window_title", title])
            .args(["-x", &size.0.to_string(), "-y", &size.1.to_string()])
            .args(["-left", &pos.0.to_string(), "-top", &pos.1.to_string()])
            .args(input)
            .env("DISPLAY", &self.x.display)
            .env("SDL_AUDIODRIVER", "dummy")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffplay is installed by scripts/setup.sh (package ffmpeg)");
        self.players.push(child);
    }

    /// `formcheck ARGS` on this desktop's display.
    pub fn formcheck(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(formcheck_bin());
        cmd.args(args).env("DISPLAY", &self.x.display);
        cmd
    }

    /// Waits until `formcheck windows` lists `title`; returns its line.
    pub fn wait_for_window(&self, title: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.formcheck(&["windows"]).output().expect("formcheck runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "formcheck windows failed: {}", String::from_utf8_lossy(&out.stderr));
            if let Some(line) = text.lines().find(|l| l.starts_with(&format!("window:{title}  "))) {
                return line.to_string();
            }
            assert!(std::time::Instant::now() < deadline, "\"{title}\" never appeared in `formcheck windows`:\n{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn xdotool(&self, args: &[&str]) {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.x.display)
            .status()
            .expect("xdotool is installed by scripts/setup.sh (package xdotool)");
        assert!(status.success(), "xdotool {args:?} failed");
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for p in self.players.iter_mut().chain(std::iter::once(&mut self.wm)) {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}
