//! formcheck's command line: no arguments opens the window; `analyze` runs the pipeline headless.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use formcheck::capture::{self, SourceSpec};
use formcheck::form::Exercise;
use formcheck::pose::{ModelKind, PoseModel};
use formcheck::session::prescription::{Prescription, effective_config};
use formcheck::session::store::{NewSession, SourceKind, Store, unix_now};
use formcheck::session::telehealth::{self, CallSession};

/// The end of `--help` and the man page: examples, the files formcheck uses, exit status.
const AFTER_HELP: &str = "\
Examples:
  formcheck                                       open the window (start screen)
  formcheck --source demo --exercise hinge        the built-in demo, no camera needed
  formcheck --source camera --exercise bird-dog   coach from the webcam
  formcheck analyze clip.mp4 --exercise hinge --save
  formcheck report --last --out report.html
  formcheck analyze 'window:Zoom Meeting' --exercise hinge --seconds 60 \
            --consent yes --save --patient 'Ana Ruiz' --notes 'first call'
                                                  a video call, with the patient's consent
  formcheck sessions --patient 'Ana Ruiz'         one patient's sessions
  formcheck patients                              the patients, their sessions and plans

Files:
  ~/.local/share/formcheck/formcheck.db
      the stored sessions (FORMCHECK_DATA or XDG_DATA_HOME moves them)
  ~/.cache/formcheck/cues/
      spoken cues, made by espeak-ng (XDG_CACHE_HOME moves them)
  PREFIX/lib/formcheck/models/
      the models of the program PREFIX/bin/formcheck (FORMCHECK_MODELS: another folder)
  PREFIX/lib/formcheck/libonnxruntime.so.1.31.1
      ONNX Runtime (ORT_DYLIB_PATH: another file)

Needs the ffmpeg and espeak-ng programs. Video never leaves this computer.

Exit status: 0 on success; non-zero on failure, with a message that says what to do.";

#[derive(Parser, Debug)]
#[command(
    name = "formcheck",
    version,
    about = "Coaches back-rehab exercises through a webcam, on this computer only.",
    long_about = "Coaches back-rehab exercises through a webcam, on this computer only.\n\n\
                  formcheck watches a person do a hip hinge with a dowel, a bird dog or a side plank, \
                  counts reps and holds, and says when the form is off, against a therapist's plan. \
                  Without a command it opens the window; the commands below work without one.",
    after_long_help = AFTER_HELP
)]
struct Cli {
    /// Open the window straight on this source: `demo`, `camera`, `camera:N`, or a video/image file.
    #[arg(long, value_name = "SOURCE")]
    source: Option<SourceSpec>,
    /// Pose model for the window.
    #[arg(long, value_enum, default_value_t = ModelKind::Thunder)]
    model: ModelKind,
    /// Open the window checking this exercise: hinge, bird-dog or side-plank.
    #[arg(long, value_name = "EXERCISE")]
    exercise: Option<Exercise>,
    /// Show the debug overlay (fps, stage times, frame-to-screen latency) and log the latency
    /// percentiles to standard error every 10 s.
    #[arg(long)]
    debug: bool,
    /// A therapist's prescription (TOML): exercises, sets, reps or holds, thresholds.
    #[arg(long, value_name = "FILE", global = true)]
    prescription: Option<PathBuf>,
    /// The picture is a mirror image (as many webcam programs and front cameras show and record
    /// it): flip it back before judging, so the sides (the bird dog's reaching arm, the side
    /// plank's lower side) are the person's own. For the window's source, `analyze` and `review`.
    #[arg(long, global = true)]
    mirrored: bool,
    /// With --prescription: validate the file, print a summary and exit (no window).
    #[arg(long, requires = "prescription")]
    check: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse a video, an image or a folder of images without a window.
    Analyze {
        /// The video file, image file or folder of images; or a live capture: `window:TITLE`
        /// (see `formcheck windows`), `window:TITLE@X,Y,W,H` (only the patient's tile, in the
        /// window's pixels) or `screen:X,Y,W,H`.
        input: PathBuf,
        /// Stop after this many seconds of the source (for a live capture: else until the window
        /// closes).
        #[arg(long, value_name = "N")]
        seconds: Option<f64>,
        #[arg(long, value_enum, default_value_t = ModelKind::Thunder)]
        model: ModelKind,
        /// Write the per-frame keypoints and timing as JSON to this file (`-` for standard output).
        #[arg(long, value_name = "OUT")]
        json: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Inference threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Check this exercise: hinge, bird-dog or side-plank (reps, holds, faults, cues).
        #[arg(long, value_name = "EXERCISE")]
        exercise: Option<Exercise>,
        /// Store the exercise verdict as a session (source: this clip) and print its id. The
        /// session's prescription is --prescription, else the default plan.
        #[arg(long, requires = "exercise")]
        save: bool,
        /// With --save: also keep one key frame, a picture of the worst rep with the overlay drawn
        /// on it, for the report. Off by default: without it only numbers are stored.
        #[arg(long, visible_alias = "keep-keyframes", requires = "save")]
        key_frames: bool,
        /// With --save: file the session under this patient (added if new; see `formcheck
        /// patients`). Without it, the home flow's implicit patient. Their plan is used unless
        /// --prescription is given. Required to save a video call.
        #[arg(long, value_name = "NAME", requires = "save")]
        patient: Option<String>,
        /// For a video call (`window:TITLE`, `screen:X,Y,W,H`): the therapist confirms that the
        /// patient was told the call's picture is analysed here and agrees: `yes`, or the
        /// statement in words. Logged with the session. Without it a call is not analysed.
        #[arg(long, value_name = "yes|STATEMENT")]
        consent: Option<String>,
        /// Who confirmed the consent (default: this computer's user name).
        #[arg(long, value_name = "NAME", requires = "consent")]
        therapist: Option<String>,
        /// With --save: the therapist's notes, stored with the session and shown in the report.
        #[arg(long, value_name = "TEXT", requires = "save")]
        notes: Option<String>,
        /// Run the live pipeline instead, as the window does: a file plays at its own pace, frames
        /// the model cannot keep up with are dropped, and the frame-to-cue latency is reported.
        #[arg(long, conflicts_with_all = ["save", "json"])]
        realtime: bool,
    },
    /// Open the window on the review of a recorded video: timeline of reps and faults, frames with
    /// the skeleton, angles over time.
    Review {
        /// The video file.
        clip: PathBuf,
        /// The exercise the recording shows: hinge, bird-dog or side-plank.
        #[arg(long, value_name = "EXERCISE")]
        exercise: Exercise,
        #[arg(long, value_enum, default_value_t = ModelKind::Thunder)]
        model: ModelKind,
    },
    /// List the cameras this computer offers.
    Cameras,
    /// List the windows that can be captured (`--source window:TITLE`, `analyze window:TITLE`).
    Windows,
    /// List every cue the app can speak; `--prepare` speaks them all into the cache ahead of time.
    Cues {
        #[arg(long)]
        prepare: bool,
    },
    /// Write a session's report: HTML (self-contained), CSV and/or JSON.
    Report {
        /// The session (see `formcheck sessions`).
        #[arg(long, conflicts_with = "last")]
        session: Option<i64>,
        /// The newest session (the default).
        #[arg(long)]
        last: bool,
        /// This patient's newest session (with --session: checks the session is theirs).
        #[arg(long, value_name = "NAME")]
        patient: Option<String>,
        /// The HTML report.
        #[arg(long, value_name = "FILE.html")]
        out: Option<PathBuf>,
        /// The same data as CSV.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// The same data as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// List the stored sessions, newest first.
    Sessions {
        /// Only this patient's sessions.
        #[arg(long, value_name = "NAME")]
        patient: Option<String>,
    },
    /// List the patients: name, sessions, last session, plan. `--add NAME` adds one;
    /// `--patient NAME --prescription FILE` stores their plan (used by `analyze --save --patient`).
    Patients {
        /// Add a patient.
        #[arg(long, value_name = "NAME", conflicts_with = "patient")]
        add: Option<String>,
        /// With --prescription: store this patient's plan (the patient is added if new); with
        /// --usual-plan: go back to the usual plan.
        #[arg(long, value_name = "NAME")]
        patient: Option<String>,
        /// With --patient: forget their own plan, back to the usual plan.
        #[arg(long, requires = "patient")]
        usual_plan: bool,
    },
    /// Packaging helper: writes the manual pages (roff, section 1: formcheck.1 and one per command)
    /// into a folder.
    #[command(hide = true)]
    Man {
        /// The folder.
        out: PathBuf,
    },
    /// Test helper: records reps into a new session forever (or --reps), printing each rep number
    /// once its record call returned.
    #[command(hide = true)]
    StoreWriter {
        /// The database.
        #[arg(long)]
        db: PathBuf,
        /// Stop after this many reps.
        #[arg(long)]
        reps: Option<u32>,
    },
}

fn threads_default() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// What `analyze --save` stores.
struct SaveOptions {
    /// Also a key frame of the worst rep (`--key-frames`).
    key_frames: bool,
    /// The patient (`--patient`; None: the home flow's implicit patient).
    patient: Option<String>,
    /// The therapist's notes (`--notes`).
    notes: Option<String>,
}

/// The consent of a video call (`--consent`, `--therapist`).
struct ConsentOptions {
    words: Option<String>,
    therapist: Option<String>,
}

#[allow(clippy::too_many_arguments)] // one per command-line option
fn run_analyze(
    input: PathBuf,
    model: ModelKind,
    json: Option<PathBuf>,
    quiet: bool,
    threads: Option<usize>,
    exercise: Option<Exercise>,
    plan: Option<Prescription>,
    save: Option<SaveOptions>,
    mirrored: bool,
    seconds: Option<f64>,
    consent: ConsentOptions,
    realtime: bool,
) -> anyhow::Result<bool> {
    // A video call is analysed only with the patient's consent, confirmed before anything is
    // captured; and its session is filed under a named patient.
    let live = match input.to_str().map(str::parse::<SourceSpec>) {
        Some(Ok(SourceSpec::Screen(target))) => Some(target),
        Some(Err(e)) => return Err(e.into()),
        _ => None,
    };
    let call_consent = match (&live, &consent.words) {
        (Some(_), None) => anyhow::bail!(
            "{}: a video call is analysed only with the patient's consent, and none was given, so nothing was captured.\n\
             Fix: tell the patient that the call's picture is analysed on this computer (nothing is sent, no picture is \
             kept unless you ask), and when they agree run the command again with --consent yes (or --consent \"the \
             statement in words\").",
            input.display()
        ),
        (Some(_), Some(words)) => {
            let by = consent.therapist.clone().unwrap_or_else(telehealth::local_user);
            Some(telehealth::Consent::confirm(words, &by, &input.display().to_string(), unix_now())?)
        }
        (None, Some(_)) => anyhow::bail!(
            "{}: --consent is for a video call (window:TITLE or screen:X,Y,W,H); a recorded clip needs none. Drop --consent.",
            input.display()
        ),
        (None, None) => None,
    };
    if call_consent.is_some() && save.as_ref().is_some_and(|s| s.patient.is_none()) {
        anyhow::bail!(
            "a video call's session is filed under its patient: add --patient NAME (`formcheck patients` lists them)."
        );
    }
    // With --save, the store is opened and checked first: a store that is not formcheck's, is
    // damaged or read-only is reported now, not after minutes of analysis; so is the patient's name.
    let store = if save.is_some() { Some(Store::open_to_write(&Store::default_path()?)?) } else { None };
    let patient_name = save.as_ref().and_then(|s| s.patient.clone());
    if let (Some(store), Some(name)) = (&store, &patient_name) {
        store.check_patient_name(name)?;
    }
    // The plan in force: --prescription, else (for a stored session) the patient's plan, else the
    // usual plan.
    let plan = match (&store, plan) {
        (Some(store), None) => {
            let own = match &patient_name {
                Some(name) => match store.find_patient(name)? {
                    Some(p) => store.patient_plan(p.id)?,
                    None => None,
                },
                None => store.patient_plan(formcheck::session::store::DEFAULT_PATIENT_ID)?,
            };
            Some(own.unwrap_or_else(Prescription::default_plan))
        }
        (_, plan) => plan,
    };
    // What the stored session records beyond its numbers (the patient is added when it is saved).
    let new_session = |store: &Store, source: &std::path::Path| -> anyhow::Result<NewSession> {
        let Some(opts) = &save else { anyhow::bail!("nothing to save") };
        let patient = match &opts.patient {
            Some(name) => {
                let (p, added) = store.ensure_patient(name)?;
                if added {
                    eprintln!("new patient: {}", p.name);
                }
                p
            }
            None => store.default_patient()?,
        };
        Ok(match &call_consent {
            Some(c) => {
                let mut call = CallSession::new(patient, c.clone());
                call.mirrored = mirrored;
                call.keep_key_frames = opts.key_frames;
                call.notes.clone_from(&opts.notes);
                call.new_session(plan.as_ref())
            }
            None => NewSession::new(SourceKind::Clip)
                .patient(patient.id)
                .clip(source)
                .prescription(plan.as_ref())
                .mirrored(mirrored)
                .keep_key_frames(opts.key_frames)
                .notes(opts.notes.as_deref()),
        })
    };
    // A saved analysis: judge its keypoints again, no model needed.
    if input.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        if mirrored {
            anyhow::bail!(
                "{}: --mirrored flips pictures, and a saved analysis has none: its keypoints keep the sides they were analysed with. Drop --mirrored, or analyse the clip again with it.",
                input.display()
            );
        }
        let Some(e) = exercise else {
            anyhow::bail!(
                "{}: a saved analysis can only be re-judged: add --exercise hinge|bird-dog|side-plank",
                input.display()
            );
        };
        let (result, states) = formcheck::pipeline::analyze::rejudge(&input, e, effective_config(plan.as_ref(), e))?;
        print!("{}", result.summary(e));
        if let Some(store) = &store {
            if save.as_ref().is_some_and(|s| s.key_frames) {
                eprintln!("no key frame: a saved analysis has no pictures");
            }
            let source = std::fs::canonicalize(&input).unwrap_or(input.clone());
            let new = new_session(store, &source)?;
            let id = store.save_report_as(&result.report, &new)?;
            eprintln!("saved as session {id} in {}", store.path().display());
            println!("session {id}");
        }
        if let Some(out) = &json {
            std::fs::write(
                out,
                serde_json::to_string(&serde_json::json!({ "input": input, "exercise": result, "states": states }))?,
            )
            .map_err(|err| anyhow::anyhow!("could not write {}: {err}", out.display()))?;
        }
        return Ok(true);
    }
    // Open the input first: a bad input is the commonest mistake and the cheapest to report.
    // YUV: the decoder's own format, so ffmpeg skips converting every pixel to RGB.
    if live.is_some() && mirrored {
        eprintln!(
            "warning: --mirrored flips the call's picture, but a video call shows the remote patient as their camera sees them (not mirrored): drop --mirrored, or sides come out swapped"
        );
    }
    let src = match &live {
        Some(target) => capture::window::WindowSource::open(target)?,
        None => capture::open_path(&input, formcheck::frame::PixelFormat::Yuv420p)?,
    };
    let src = capture::mirror::unmirror_if(src, mirrored);
    // A call cannot be read again: with key frames allowed, a few snapshots are kept in memory
    // while it is analysed (never without).
    let (src, tap): (Box<dyn capture::FrameSource>, _) =
        if live.is_some() && save.as_ref().is_some_and(|s| s.key_frames) {
            let (tap, kept) = formcheck::session::keyframe::FrameTap::new(src);
            (Box::new(tap), Some(kept))
        } else {
            (src, None)
        };
    let src: Box<dyn capture::FrameSource> = match seconds {
        Some(s) if s.is_finite() && s > 0.0 => Box::new(capture::Limited::new(src, s)),
        Some(s) => anyhow::bail!("--seconds {s}: give a number of seconds above 0"),
        None => src,
    };
    let model = PoseModel::load(model, threads.unwrap_or_else(threads_default))?;
    let form = exercise.map(|e| (e, effective_config(plan.as_ref(), e)));
    if realtime {
        let run = formcheck::pipeline::live::run_realtime(src, Some(model), form);
        for w in &run.warnings {
            eprintln!("warning: {w}");
        }
        if let (Some(report), Some(e)) = (run.report.clone(), exercise) {
            print!("{}", formcheck::pipeline::analyze::ExerciseResult { report, spine: Vec::new() }.summary(e));
        }
        println!("{}: {}", input.display(), run.summary());
        if let Some(e) = &run.error {
            eprintln!("error: {}", e.lines().next().unwrap_or(e));
        }
        return Ok(run.error.is_none());
    }
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(src.info().frame_count.unwrap_or(0));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} analysing [{bar:40}] {pos}/{len} frames, {per_sec}, ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: u64, _total: Option<u64>| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let analysis =
        formcheck::pipeline::analyze::analyze(&input.display().to_string(), src, model, form, &mut progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(out) = &json {
        let text = serde_json::to_string(&analysis)?;
        if out.as_os_str() == "-" {
            println!("{text}");
        } else {
            std::fs::write(out, text).map_err(|e| anyhow::anyhow!("could not write {}: {e}", out.display()))?;
        }
    }
    let present = analysis.frames.iter().filter(|f| f.present).count();
    let to_stdout = json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let report = format!(
        "{}: {} frames, person present in {} ({:.0}%), model {}\ntiming: {}",
        analysis.input,
        analysis.frames.len(),
        present,
        100.0 * present as f64 / analysis.frames.len().max(1) as f64,
        analysis.model.name(),
        analysis.timing.summary()
    );
    let report = match &analysis.capture {
        Some(c) => format!("{report}\ncapture: {}", c.summary()),
        None => report,
    };
    if let Some(c) = &analysis.capture {
        // A loss that ended the capture is the error printed below.
        let ended = analysis.error.as_deref().unwrap_or("");
        for lost in c.lost_patient.iter().filter(|l| !ended.contains(&l.reason)) {
            eprintln!("{} (at {:.1} s: {})", formcheck::pipeline::watch::LOST_PATIENT, lost.t, lost.reason);
        }
    }
    let exercise_summary = match (&analysis.exercise, exercise) {
        (Some(r), Some(e)) => r.summary(e),
        _ => String::new(),
    };
    if to_stdout {
        eprint!("{exercise_summary}");
        eprintln!("{report}");
    } else {
        print!("{exercise_summary}");
        println!("{report}");
    }
    if let Some(e) = &analysis.error {
        eprintln!("error: {}", e.lines().next().unwrap_or(e));
        if let Some(store) = &store {
            eprintln!(
                "not saved: the clip could not be read to its end, so the session was not stored in {} (a part of \
                 a session would count as the whole). Re-export or re-record the clip and run the command again.",
                store.path().display()
            );
        }
        return Ok(false);
    }
    if let (Some(SaveOptions { key_frames, .. }), Some(store)) = (&save, &store) {
        let clip = if live.is_some() { input.clone() } else { std::fs::canonicalize(&input).unwrap_or(input.clone()) };
        let new = new_session(store, &clip)?;
        let id = store.save_analysis_as(&analysis, &new)?;
        eprintln!(
            "saved as session {id} of patient {} in {}",
            store.load_session(id)?.summary.patient,
            store.path().display()
        );
        if *key_frames {
            let made = match &tap {
                Some(kept) => formcheck::session::keyframe::of_worst_rep_live(&analysis, kept),
                None => formcheck::session::keyframe::of_worst_rep(&analysis, &input),
            };
            match made {
                Ok(Some(k)) => {
                    store.save_key_frame(id, &k)?;
                    eprintln!("key frame stored: {} ({} bytes)", k.caption, k.jpeg.len());
                }
                Ok(None) => eprintln!("no key frame: no rep was counted"),
                Err(e) => eprintln!("no key frame: {e:#}"),
            }
        }
        println!("session {id}");
    }
    Ok(true)
}

fn run_report(
    session: Option<i64>,
    patient: Option<&str>,
    out: Option<PathBuf>,
    csv: Option<PathBuf>,
    json: Option<PathBuf>,
) -> anyhow::Result<bool> {
    if out.is_none() && csv.is_none() && json.is_none() {
        anyhow::bail!("say where to write the report: --out FILE.html, --csv FILE and/or --json FILE");
    }
    let db = Store::default_path()?;
    for p in [&out, &csv, &json].into_iter().flatten() {
        if is_the_store(p, &db) {
            anyhow::bail!(
                "{} is the session store: formcheck will not write a report over it.\nFix: give another file name, e.g. --out report.html",
                p.display()
            );
        }
    }
    if !db.is_file() {
        anyhow::bail!(
            "no session stored yet in {}: save one first (`formcheck analyze CLIP --exercise hinge --save`)",
            db.display()
        );
    }
    let store = Store::open_to_read(&db)?;
    let patient = patient.map(|name| store.patient_named(name)).transpose()?;
    let id = match (session, &patient) {
        (Some(id), Some(p)) => {
            let of = store.load_session(id)?.summary;
            if of.patient_id != p.id {
                anyhow::bail!(
                    "session {id} is not {}'s but {}'s: formcheck will not report one patient's session as another's.\nFix: `formcheck sessions --patient {:?}` lists {}'s sessions.",
                    p.name,
                    of.patient,
                    p.name,
                    p.name
                );
            }
            id
        }
        (Some(id), None) => id,
        (None, Some(p)) => store
            .last_session_id_of(p.id)?
            .ok_or_else(|| anyhow::anyhow!("no session of {} stored yet in {}", p.name, store.path().display()))?,
        (None, None) => store
            .last_session_id()?
            .ok_or_else(|| anyhow::anyhow!("no session stored yet in {}", store.path().display()))?,
    };
    let report = formcheck::report::build(&store, id)?;
    let write = |path: &PathBuf, text: String| {
        std::fs::write(path, text).map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))
    };
    if let Some(p) = &out {
        write(p, formcheck::report::to_html(&report))?;
        println!("report of session {id}: {}", p.display());
    }
    if let Some(p) = &csv {
        write(p, formcheck::report::to_csv(&report))?;
        println!("CSV of session {id}: {}", p.display());
    }
    if let Some(p) = &json {
        write(p, formcheck::report::to_json(&report))?;
        println!("JSON of session {id}: {}", p.display());
    }
    Ok(true)
}

/// Whether writing to `p` would write over the store at `db` (or its WAL and shared-memory files).
fn is_the_store(p: &std::path::Path, db: &std::path::Path) -> bool {
    let canon = |q: &std::path::Path| {
        // A file not yet there: its folder's real path and its name.
        std::fs::canonicalize(q).ok().or_else(|| {
            let dir = q.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            Some(std::fs::canonicalize(dir).ok()?.join(q.file_name()?))
        })
    };
    let Some(target) = canon(p) else { return false };
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        canon(std::path::Path::new(&name)).is_some_and(|d| d == target)
    })
}

fn run_sessions(patient: Option<&str>) -> anyhow::Result<bool> {
    let db = Store::default_path()?;
    // A new store is created (empty) where it belongs; one that cannot be is simply empty.
    let store = match Store::open_to_read(&db) {
        Err(e) if e.is_read_only() && !db.is_file() => {
            if let Some(name) = patient {
                anyhow::bail!("no patient named {name:?}: no session stored yet in {}", db.display());
            }
            println!("no session stored in {}", db.display());
            return Ok(true);
        }
        r => r?,
    };
    let sessions = match patient {
        Some(name) => {
            let p = store.patient_named(name)?;
            let list = store.list_sessions_of(p.id)?;
            if list.is_empty() {
                println!("no session of {} stored in {}", p.name, store.path().display());
            }
            list
        }
        None => store.list_sessions()?,
    };
    if sessions.is_empty() && patient.is_none() {
        println!("no session stored in {}", store.path().display());
    }
    for s in sessions {
        let names: Vec<&str> = s.exercises.iter().map(Exercise::name).collect();
        let named = s.patient_id != formcheck::session::store::DEFAULT_PATIENT_ID;
        println!(
            "{:>5}  {}  {:<6} {} set(s), {} rep(s), {} hold(s)  {}{}{}{}{}",
            s.id,
            formcheck::session::store::format_time(s.started_at),
            format!("{:?}", s.source_kind).to_lowercase(),
            s.sets,
            s.reps,
            s.holds,
            names.join(", "),
            if named { format!("  patient {}", s.patient) } else { String::new() },
            s.clip_path.map_or(String::new(), |p| format!("  ({p})")),
            s.capture.map_or(String::new(), |c| format!("  (call: {c})")),
            if s.ended_at.is_none() { "  INCOMPLETE: interrupted before it ended" } else { "" }
        );
    }
    Ok(true)
}

/// `formcheck patients`: adds one, stores a patient's plan, and lists them.
fn run_patients(
    add: Option<&str>,
    patient: Option<&str>,
    prescription: Option<&std::path::Path>,
    usual_plan: bool,
) -> anyhow::Result<bool> {
    let db = Store::default_path()?;
    let changes = add.is_some() || patient.is_some();
    if patient.is_some() && prescription.is_none() && !usual_plan {
        anyhow::bail!(
            "--patient here stores a patient's plan: add --prescription FILE (or --usual-plan to go back to the usual plan)"
        );
    }
    if prescription.is_some() && usual_plan {
        anyhow::bail!("--prescription and --usual-plan say opposite things: give one");
    }
    let store = if changes {
        Store::open_to_write(&db)?
    } else {
        match Store::open_to_read(&db) {
            Err(e) if e.is_read_only() && !db.is_file() => {
                println!("no patient stored in {}", db.display());
                return Ok(true);
            }
            r => r?,
        }
    };
    if let Some(name) = add {
        let (p, added) = store.ensure_patient(name)?;
        println!("{} {}", if added { "added patient" } else { "already a patient:" }, p.name);
    }
    if let Some(name) = patient {
        let (p, added) = store.ensure_patient(name)?;
        if added {
            println!("added patient {}", p.name);
        }
        match prescription {
            Some(file) => {
                let plan = Prescription::from_file(file)?;
                store.set_patient_plan(p.id, Some(&plan))?;
                println!("plan of {}: {} (used by `analyze --save --patient`)", p.name, file.display());
            }
            None => {
                store.set_patient_plan(p.id, None)?;
                println!("plan of {}: the usual plan", p.name);
            }
        }
    }
    let list = store.patients()?;
    let shown = |p: &formcheck::session::store::PatientSummary| {
        if p.patient.is_default { format!("{} (home)", p.patient.name) } else { p.patient.name.clone() }
    };
    let width = list.iter().map(|p| shown(p).chars().count()).max().unwrap_or(0).max(7) + 2;
    println!("{:<width$}{:>8}  {:<22}  plan", "patient", "sessions", "last session");
    for p in &list {
        println!(
            "{:<width$}{:>8}  {:<22}  {}",
            shown(p),
            p.sessions,
            p.last_session_at.map_or("–".to_string(), formcheck::session::store::format_time),
            if p.has_plan { "their own" } else { "usual" },
        );
    }
    Ok(true)
}

/// The crash test's writer: one rep per transaction, each number printed after its call returned.
fn run_store_writer(db: &std::path::Path, reps: Option<u32>) -> anyhow::Result<bool> {
    use std::io::Write;
    let store = Store::open(db)?;
    let session =
        store.begin_session(formcheck::session::store::SourceKind::Demo, None, Some(&Prescription::default_plan()))?;
    let set = store.begin_set(session, Exercise::Hinge)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "set {set}")?;
    out.flush()?;
    let mut i = 1;
    while reps.is_none_or(|n| i <= n) {
        let rep = formcheck::form::RepRecord {
            index: i,
            side: None,
            start_s: f64::from(i) * 4.0,
            end_s: f64::from(i) * 4.0 + 3.5,
            faults: if i.is_multiple_of(3) { vec![formcheck::form::FaultId::RoundedBack] } else { vec![] },
            fault_durations: std::collections::BTreeMap::new(),
            hinge: None,
            bird_dog: None,
            rom: vec![],
        };
        store.record_rep(set, &rep)?;
        writeln!(out, "{i}")?;
        out.flush()?;
        i += 1;
    }
    store.end_set(set, 0.0)?;
    store.end_session(session)?;
    Ok(true)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.check
        && let Some(path) = &cli.prescription
    {
        return match Prescription::from_file(path) {
            Ok(p) => {
                println!("{}: valid prescription", path.display());
                print!("{}", p.summary());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    // A plan for the window is checked before it opens: a malformed plan is an error, never
    // silently replaced by the usual dose.
    if !matches!(cli.command, Some(Command::Analyze { .. }))
        && let Some(path) = &cli.prescription
        && let Err(e) = Prescription::from_file(path)
    {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Some(Command::Analyze {
            input,
            seconds,
            model,
            json,
            quiet,
            threads,
            exercise,
            save,
            key_frames,
            patient,
            consent,
            therapist,
            notes,
            realtime,
        }) => {
            // The therapist's thresholds judge with or without --save; --save without a
            // prescription stores the default plan as the session's.
            let plan =
                cli.prescription.as_deref().map(Prescription::from_file).transpose().map_err(anyhow::Error::from);
            plan.and_then(|plan| {
                run_analyze(
                    input,
                    model,
                    json,
                    quiet,
                    threads,
                    exercise,
                    plan,
                    save.then_some(SaveOptions { key_frames, patient, notes }),
                    cli.mirrored,
                    seconds,
                    ConsentOptions { words: consent, therapist },
                    realtime,
                )
            })
        }
        Some(Command::Cues { prepare }) => {
            let cues = formcheck::coach::spoken_cues();
            if prepare {
                let dir = formcheck::session::speech::cache_dir();
                cues.iter()
                    .try_for_each(|(id, text)| formcheck::session::speech::synthesize(&dir, id, text).map(|_| ()))
                    .map(|()| {
                        println!("{} spoken cues ready in {}", cues.len(), dir.display());
                        true
                    })
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "could not prepare the spoken cues: {e}. The app still shows every cue on screen."
                        )
                    })
            } else {
                for (id, text) in &cues {
                    println!("{id}\t{text}");
                }
                Ok(true)
            }
        }
        Some(Command::Report { session, last: _, patient, out, csv, json }) => {
            run_report(session, patient.as_deref(), out, csv, json)
        }
        Some(Command::Sessions { patient }) => run_sessions(patient.as_deref()),
        Some(Command::Patients { add, patient, usual_plan }) => {
            run_patients(add.as_deref(), patient.as_deref(), cli.prescription.as_deref(), usual_plan)
        }
        Some(Command::StoreWriter { db, reps }) => run_store_writer(&db, reps),
        Some(Command::Man { out }) => {
            use clap::CommandFactory;
            clap_mangen::generate_to(Cli::command(), &out)
                .map(|()| true)
                .map_err(|e| anyhow::anyhow!("could not write the manual pages into {}: {e}", out.display()))
        }
        Some(Command::Review { clip, exercise, model }) => formcheck::app::run(formcheck::app::Launch {
            model,
            exercise: Some(exercise),
            review: Some(clip),
            prescription: cli.prescription,
            mirrored: cli.mirrored,
            ..Default::default()
        })
        .map(|()| true),
        Some(Command::Windows) => capture::window::list_windows().map_err(anyhow::Error::from).map(|windows| {
            if windows.is_empty() {
                println!("no windows found (a desktop session lists its windows through its window manager)");
            }
            for w in windows {
                let state = if w.minimised { "  (minimised: restore it to capture it)" } else { "" };
                println!("window:{}  {}x{} at {},{}{state}", w.title, w.width, w.height, w.x, w.y);
            }
            true
        }),
        Some(Command::Cameras) => {
            let cams = capture::camera::list_cameras();
            if cams.is_empty() {
                println!("no cameras found");
            }
            for c in cams {
                println!("camera:{}  {}", c.index, c.name);
            }
            Ok(true)
        }
        None => formcheck::app::run(formcheck::app::Launch {
            source: cli.source,
            model: cli.model,
            exercise: cli.exercise,
            debug: cli.debug,
            prescription: cli.prescription,
            mirrored: cli.mirrored,
            ..Default::default()
        })
        .map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            // One line first (the reason), then any advice lines.
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
