//! The therapist's plan governs every verdict (issue 13): one stricter threshold in the
//! prescription changes the verdict in each path that judges form: live, `analyze` without and
//! with `--save`, re-judging a saved JSON, the review and the report.
//!
//! The override: the hinge's lowering must take at least 10 s (`min_lowering_s`, default 1.5 s),
//! so every rep is `too_fast` under the plan, while under the defaults the clip (and the demo) has
//! reps that are not. Each test checks both sides, so a path that ignores the plan fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use formcheck::demo::DemoSource;
use formcheck::form::{Exercise, FaultId, FormEvent, RepRecord};
use formcheck::pipeline::live::LivePipeline;
use formcheck::session::prescription::{Prescription, effective_config};

use crate::support::{corpus_file, formcheck_bin};

/// A hinge clip (20 s) in which Lightning counts 2 reps, lowered in 1.5 and 2 s: not too fast by
/// the defaults. Lightning keeps the tests fast.
const CLIP: &str = "clips/wahoo_single_leg_rdl.mp4";

const STRICT: &str = "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 6\n\n\
                      [exercise.overrides.hinge]\nmin_lowering_s = 10.0\n";

fn too_fast(r: &RepRecord) -> bool {
    r.faults.contains(&FaultId::TooFast)
}

/// Every rep is too fast under the plan (and there is one).
fn all_too_fast(reps: &[RepRecord], what: &str) {
    assert!(!reps.is_empty(), "{what}: no rep counted");
    assert!(reps.iter().all(too_fast), "{what}: the plan's min_lowering_s = 10 s was ignored: {reps:#?}");
}

/// Some rep is not too fast under the defaults: the override is what changes the verdict.
fn some_not_too_fast(reps: &[RepRecord], what: &str) {
    assert!(reps.iter().any(|r| !too_fast(r)), "{what}: every rep too fast even under the defaults: {reps:#?}");
}

/// A temporary folder holding the strict plan (and, for the CLI, the data folder).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("strict.toml"), STRICT).unwrap();
        Self { dir }
    }

    fn plan(&self) -> PathBuf {
        self.dir.path().join("strict.toml")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs `formcheck` with `args` (data in `data`), asserting success; its standard output.
fn formcheck(data: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(formcheck_bin()).env("FORMCHECK_DATA", data).args(args).output().expect("run formcheck");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "formcheck {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// `analyze CLIP --exercise hinge --model lightning` (plus `extra`), JSON to `json`.
fn analyze_clip(data: &Path, json: &Path, extra: &[&std::ffi::OsStr]) -> String {
    let clip = corpus_file(CLIP);
    let mut args: Vec<&std::ffi::OsStr> = vec![os("analyze"), clip.as_os_str()];
    args.extend(["--exercise", "hinge", "--model", "lightning", "--threads", "2", "--quiet", "--json"].map(os));
    args.push(json.as_os_str());
    args.extend_from_slice(extra);
    formcheck(data, &args)
}

fn reps_of(json: &Path) -> Vec<RepRecord> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    serde_json::from_value(v["exercise"]["reps"].clone()).expect("reps in the JSON")
}

/// The clip analysed under the defaults (shared by the tests): its JSON and its reps.
fn default_run() -> &'static (Scratch, PathBuf, Vec<RepRecord>) {
    static RUN: OnceLock<(Scratch, PathBuf, Vec<RepRecord>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let s = Scratch::new();
        let json = s.path("default.json");
        analyze_clip(s.dir.path(), &json, &[]);
        let reps = reps_of(&json);
        some_not_too_fast(&reps, "analyze under the defaults");
        (s, json, reps)
    })
}

/// The clip analysed with `--save --prescription strict.toml`: the data folder and the session id.
fn saved_run() -> &'static (Scratch, i64) {
    static RUN: OnceLock<(Scratch, i64)> = OnceLock::new();
    RUN.get_or_init(|| {
        let s = Scratch::new();
        let plan = s.plan();
        let json = s.path("saved.json");
        let stdout = analyze_clip(s.dir.path(), &json, &[os("--save"), os("--prescription"), plan.as_os_str()]);
        let id = crate::support::saved_session_id(&stdout);
        (s, id)
    })
}

#[test]
fn live_judges_with_the_plan() {
    let plan = Prescription::from_toml(STRICT).unwrap();
    let reps = |config| {
        let src = Box::new(DemoSource::new(Exercise::Hinge, false));
        let mut live = LivePipeline::stepped(src, None, None, Some((Exercise::Hinge, config)), 30);
        let mut reps = Vec::new();
        for _ in 0..200 {
            live.poll();
            reps.extend(live.drain_events().into_iter().filter_map(|e| match e {
                FormEvent::RepCompleted(r) => Some(r),
                _ => None,
            }));
            if reps.len() >= 2 {
                break;
            }
        }
        reps
    };
    some_not_too_fast(&reps(effective_config(None, Exercise::Hinge)), "live demo under the defaults");
    all_too_fast(&reps(effective_config(Some(&plan), Exercise::Hinge)), "live demo under the plan");
}

#[test]
fn analyze_without_save_judges_with_the_plan() {
    default_run();
    let s = Scratch::new();
    let json = s.path("strict.json");
    let plan = s.plan();
    analyze_clip(s.dir.path(), &json, &[os("--prescription"), plan.as_os_str()]);
    all_too_fast(&reps_of(&json), "analyze --prescription (no --save)");
    assert!(!s.path("formcheck.db").exists(), "without --save nothing is stored");
}

#[test]
fn analyze_with_save_stores_the_plans_verdict() {
    default_run();
    let (s, id) = saved_run();
    let store = formcheck::session::store::Store::open(&s.path("formcheck.db")).unwrap();
    let rec = store.load_session(*id).unwrap();
    let reps: Vec<RepRecord> = rec.set_records.iter().flat_map(|set| set.reps.clone()).collect();
    all_too_fast(&reps, "the stored session");
}

#[test]
fn rejudging_a_saved_analysis_uses_the_plan() {
    let (s, json, _) = default_run();
    let out = s.path("rejudged-default.json");
    formcheck(
        s.dir.path(),
        &[os("analyze"), json.as_os_str(), os("--exercise"), os("hinge"), os("--json"), out.as_os_str()],
    );
    some_not_too_fast(&reps_of(&out), "re-judged under the defaults");
    let plan = s.plan();
    let out = s.path("rejudged-strict.json");
    formcheck(
        s.dir.path(),
        &[
            os("analyze"),
            json.as_os_str(),
            os("--exercise"),
            os("hinge"),
            os("--prescription"),
            plan.as_os_str(),
            os("--json"),
            out.as_os_str(),
        ],
    );
    all_too_fast(&reps_of(&out), "re-judged with --prescription");
}

#[test]
fn the_report_shows_the_plans_verdict() {
    default_run();
    let (s, id) = saved_run();
    let store = formcheck::session::store::Store::open(&s.path("formcheck.db")).unwrap();
    let report = formcheck::report::build(&store, *id).unwrap();
    assert!(!report.reps.is_empty(), "the report lists the reps");
    assert!(
        report.reps.iter().all(|r| r.faults.contains(&FaultId::TooFast) && !r.clean),
        "the report's reps ignore the plan: {:#?}",
        report.reps
    );
}

#[test]
fn the_review_judges_with_the_prescription_in_force() {
    use formcheck::app::{FormcheckApp, Launch};
    default_run();
    let s = Scratch::new();
    let launch = Launch {
        review: Some(corpus_file(CLIP)),
        exercise: Some(Exercise::Hinge),
        model: formcheck::pose::ModelKind::Lightning,
        prescription: Some(s.plan()),
        data_dir: Some(s.path("data")),
        ..Launch::default()
    };
    let mut h = crate::support::app_harness(FormcheckApp::new(launch, Vec::new()), egui::vec2(1280.0, 800.0), false);
    let deadline = Instant::now() + Duration::from_secs(240);
    while h.state().review().is_none_or(formcheck::app::review::ReviewView::is_analysing) {
        assert!(Instant::now() < deadline, "the review's analysis never finished");
        std::thread::sleep(Duration::from_millis(40));
        h.step();
    }
    let review = h.state().review().unwrap();
    assert_eq!(review.error(), None);
    let a = review.analysis().expect("analysis done");
    all_too_fast(&a.exercise.as_ref().expect("hinge verdict").report.reps, "the review");
}
