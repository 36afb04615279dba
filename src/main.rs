//! formcheck's command line: no arguments opens the window; `analyze` runs the pipeline headless.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use formcheck::form::{Exercise, FormConfig};
use formcheck::pose::{ModelKind, PoseModel};
use formcheck::source::{self, SourceSpec};

#[derive(Parser, Debug)]
#[command(name = "formcheck", version, about = "Coaches back-rehab exercises through a webcam, on this computer only.")]
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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse a video, an image or a folder of images without a window.
    Analyze {
        /// The video file, image file or folder of images.
        input: PathBuf,
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
    /// List every cue the app can speak; `--prepare` speaks them all into the cache ahead of time.
    Cues {
        #[arg(long)]
        prepare: bool,
    },
}

fn threads_default() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

fn run_analyze(
    input: PathBuf,
    model: ModelKind,
    json: Option<PathBuf>,
    quiet: bool,
    threads: Option<usize>,
    exercise: Option<Exercise>,
) -> anyhow::Result<bool> {
    // A saved analysis: judge its keypoints again, no model needed.
    if input.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let Some(e) = exercise else {
            anyhow::bail!(
                "{}: a saved analysis can only be re-judged: add --exercise hinge|bird-dog|side-plank",
                input.display()
            );
        };
        let (result, states) = formcheck::analyze::rejudge(&input, e, FormConfig::default())?;
        print!("{}", result.summary(e));
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
    let src = source::open_path(&input, formcheck::frame::PixelFormat::Yuv420p)?;
    let model = PoseModel::load(model, threads.unwrap_or_else(threads_default))?;
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
    let form = exercise.map(|e| (e, FormConfig::default()));
    let analysis = formcheck::analyze::analyze(&input.display().to_string(), src, model, form, &mut progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
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
        return Ok(false);
    }
    Ok(true)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Analyze { input, model, json, quiet, threads, exercise }) => {
            run_analyze(input, model, json, quiet, threads, exercise)
        }
        Some(Command::Cues { prepare }) => {
            let cues = formcheck::coach::spoken_cues();
            if prepare {
                let dir = formcheck::speech::cache_dir();
                cues.iter()
                    .try_for_each(|(id, text)| formcheck::speech::synthesize(&dir, id, text).map(|_| ()))
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
        Some(Command::Review { clip, exercise, model }) => formcheck::app::run(formcheck::app::Launch {
            model,
            exercise: Some(exercise),
            review: Some(clip),
            ..Default::default()
        })
        .map(|()| true),
        Some(Command::Cameras) => {
            let cams = source::camera::list_cameras();
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
