//! Range of motion per rep against the prescription's targets (issue 14, item 7): synthetic reps
//! with known peak angles give those peaks, a target above or below gives short or reached, the
//! plan's `target_*_deg` keys parse and are range-checked, and a corpus clip analysed under a plan
//! with targets carries them through `analyze` (JSON and text), the store and the report (HTML and
//! CSV). The live screen and the review: `window.rs` and `review.rs`.

use crate::common::{reps_of, run_cfg};
use formcheck::demo::figure::{Noise, SideFig, keys, record};
use formcheck::form::{Exercise, FormConfig, RepRecord, RomMeasure, RomReading, RomTargets, Side};
use formcheck::pose::skeleton::PoseSample;
use formcheck::session::prescription::{Prescription, effective_config};
use std::process::Command;

/// The reading of `m` in `rep` (panics, naming the rep, when missing).
fn reading(rep: &RepRecord, m: RomMeasure) -> RomReading {
    *rep.rom.iter().find(|r| r.measure == m).unwrap_or_else(|| panic!("rep {} has no {m:?}: {:?}", rep.index, rep.rom))
}

/// Hinge reps from standing to `depth` (trunk from vertical) with the thigh at `thigh` (from
/// vertical, forward), held 0.5 s at the bottom; hip flexion at the bottom = depth + thigh.
fn hinge_reps(bottoms: &[(f32, f32)], seed: u64) -> Vec<PoseSample> {
    let mut trunk = vec![(0.0, 0.0f32), (1.5, 0.0)];
    let mut thigh = vec![(0.0, 8.0f32), (1.5, 8.0)];
    let mut t = 1.5;
    for &(depth, th) in bottoms {
        trunk.extend([(t + 2.5, depth), (t + 3.0, depth), (t + 5.0, 0.0), (t + 7.0, 0.0)]);
        thigh.extend([(t + 2.5, th), (t + 3.0, th), (t + 5.0, 8.0), (t + 7.0, 8.0)]);
        t += 7.0;
    }
    record(t + 1.0, seed, Noise::default(), |tt| {
        let k = keys(tt, &thigh);
        SideFig {
            trunk: keys(tt, &trunk),
            thigh: [k, k],
            shank: [-8.0, -8.0],
            upper_arm: [10.0, 10.0],
            forearm: [20.0, 20.0],
            ..SideFig::default()
        }
        .pose()
    })
}

#[test]
fn hinge_reps_report_their_peak_trunk_lean_and_hip_flexion_against_the_targets() {
    // Two reps: 45° and 80° of trunk lean, hip flexion 55° and 90°.
    let bottoms = [(45.0, 10.0), (80.0, 10.0)];
    let targets = RomTargets { trunk_lean_deg: Some(60.0), hip_flexion_deg: Some(70.0), ..Default::default() };
    for seed in 1..=3 {
        let samples = hinge_reps(&bottoms, seed);
        let cfg = FormConfig { rom: targets, ..FormConfig::default() };
        let (ev, report) = run_cfg(Exercise::Hinge, cfg, &samples);
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 2, "seed {seed}: {reps:#?}");
        assert_eq!(report.reps, reps);
        for (rep, &(depth, th)) in reps.iter().zip(&bottoms) {
            assert_eq!(rep.rom.len(), 2, "a hinge rep has trunk lean and hip flexion: {:?}", rep.rom);
            let lean = reading(rep, RomMeasure::TrunkLean);
            let flex = reading(rep, RomMeasure::HipFlexion);
            assert!((lean.peak_deg - depth).abs() <= 2.0, "seed {seed}: trunk lean {} vs {depth}", lean.peak_deg);
            assert!(
                (flex.peak_deg - (depth + th)).abs() <= 2.0,
                "seed {seed}: hip flexion {} vs {}",
                flex.peak_deg,
                depth + th
            );
            // The same measures as the rep's own peaks.
            let h = rep.hinge.as_ref().unwrap();
            assert!((lean.peak_deg - h.peak_trunk_deg).abs() < 1e-4);
            assert!((flex.peak_deg - (180.0 - h.peak_hip_deg)).abs() < 1e-3);
            assert_eq!((lean.target_deg, flex.target_deg), (Some(60.0), Some(70.0)));
        }
        // The shallow rep is short of both targets, by about the difference; the deep one reached both.
        let (l0, f0) = (reading(&reps[0], RomMeasure::TrunkLean), reading(&reps[0], RomMeasure::HipFlexion));
        assert_eq!((l0.reached, f0.reached), (Some(false), Some(false)), "seed {seed}: {:?}", reps[0].rom);
        assert!((l0.short_by_deg.unwrap() - 15.0).abs() <= 2.0, "{l0:?}");
        assert!((f0.short_by_deg.unwrap() - 15.0).abs() <= 2.0, "{f0:?}");
        assert!(l0.text().contains("(target 60°: short by "), "{}", l0.text());
        for m in [RomMeasure::TrunkLean, RomMeasure::HipFlexion] {
            let r = reading(&reps[1], m);
            assert_eq!((r.reached, r.short_by_deg), (Some(true), Some(0.0)), "seed {seed}: {r:?}");
            assert!(r.text().ends_with("°: reached)"), "{}", r.text());
        }
        // In the JSON: the measure, peak, target and verdict of each.
        let json = serde_json::to_value(&report).unwrap();
        let r0 = &json["reps"][0]["rom"][0];
        assert_eq!(r0["measure"], "trunk_lean");
        assert_eq!(r0["target_deg"], 60.0);
        assert_eq!(r0["reached"], false);
    }
}

#[test]
fn without_a_target_only_the_peak_is_reported() {
    let (ev, _) = run_cfg(Exercise::Hinge, FormConfig::default(), &hinge_reps(&[(50.0, 10.0)], 4));
    let reps = reps_of(&ev);
    assert_eq!(reps.len(), 1);
    for r in &reps[0].rom {
        assert_eq!((r.target_deg, r.reached, r.short_by_deg), (None, None, None), "{r:?}");
        assert!(!r.text().contains("target"), "{}", r.text());
    }
    let mut json = serde_json::to_value(&reps[0]).unwrap();
    assert!(json["rom"][0].get("target_deg").is_none() && json["rom"][0].get("reached").is_none(), "{json}");
    // A rep stored before range of motion was measured (no `rom` in its JSON) still reads, without it.
    json.as_object_mut().unwrap().remove("rom");
    let old: RepRecord = serde_json::from_value(json).unwrap();
    assert!(old.rom.is_empty());
    assert_eq!(old.hinge, reps[0].hinge);
}

/// Bird dog reps, the figure's trunk at 80° from vertical (10° above horizontal toward the head):
/// a leg at `thigh` (from down, negative = backward; the shank in line) and the opposite arm at
/// `arm` (from down, forward). Against the trunk line: leg elevation = `-(80 + thigh)`, arm
/// elevation = `arm + 80 - 180`.
fn bird_dog_reps(reaches: &[(Side, f32, f32)], seed: u64) -> Vec<PoseSample> {
    let i = |s: Side| usize::from(s == Side::Right);
    let mut thigh = [vec![(0.0, 0.0f32)], vec![(0.0, 0.0f32)]];
    let mut shank = [vec![(0.0, -90.0f32)], vec![(0.0, -90.0f32)]];
    let mut ua = [vec![(0.0, 0.0f32)], vec![(0.0, 0.0f32)]];
    let mut t = 2.0;
    for &(leg, th, arm) in reaches {
        for s in [Side::Left, Side::Right] {
            thigh[i(s)].push((t, 0.0));
            shank[i(s)].push((t, -90.0));
            ua[i(s)].push((t, 0.0));
        }
        let (full, back) = (t + 1.2, t + 3.2);
        thigh[i(leg)].extend([(full, th), (back, th), (back + 1.2, 0.0)]);
        shank[i(leg)].extend([(full, th), (back, th), (back + 1.2, -90.0)]);
        ua[i(leg.other())].extend([(full, arm), (back, arm), (back + 1.2, 0.0)]);
        t = back + 3.2;
    }
    record(t, seed, Noise::default(), |tt| {
        let u = [keys(tt, &ua[0]), keys(tt, &ua[1])];
        SideFig {
            hip: (450.0, 330.0),
            trunk: 80.0,
            thigh: [keys(tt, &thigh[0]), keys(tt, &thigh[1])],
            shank: [keys(tt, &shank[0]), keys(tt, &shank[1])],
            upper_arm: u,
            forearm: u,
            ..SideFig::default()
        }
        .pose()
    })
}

#[test]
fn bird_dog_reps_report_arm_and_leg_elevation_against_the_trunk_line() {
    // Rep 1: leg and arm in line with the trunk (0°); rep 2: leg 8° and arm 12° below it.
    let reaches = [(Side::Left, -80.0, 100.0), (Side::Right, -72.0, 88.0)];
    let want = [(0.0, 0.0), (-12.0, -8.0)]; // (arm, leg)
    let targets = RomTargets { arm_elevation_deg: Some(-5.0), leg_elevation_deg: Some(-5.0), ..Default::default() };
    for seed in 1..=3 {
        let cfg = FormConfig { rom: targets, ..FormConfig::default() };
        let (ev, _) = run_cfg(Exercise::BirdDog, cfg, &bird_dog_reps(&reaches, seed));
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 2, "seed {seed}: {reps:#?}");
        for (rep, &(arm, leg)) in reps.iter().zip(&want) {
            assert_eq!(rep.rom.len(), 2, "{:?}", rep.rom);
            let a = reading(rep, RomMeasure::ArmElevation);
            let l = reading(rep, RomMeasure::LegElevation);
            assert!((a.peak_deg - arm).abs() <= 2.0, "seed {seed} rep {}: arm {} vs {arm}", rep.index, a.peak_deg);
            assert!((l.peak_deg - leg).abs() <= 2.0, "seed {seed} rep {}: leg {} vs {leg}", rep.index, l.peak_deg);
        }
        for m in [RomMeasure::ArmElevation, RomMeasure::LegElevation] {
            assert_eq!(reading(&reps[0], m).reached, Some(true), "seed {seed}: {:?}", reps[0].rom);
            assert_eq!(reading(&reps[1], m).reached, Some(false), "seed {seed}: {:?}", reps[1].rom);
        }
        let short = reading(&reps[1], RomMeasure::ArmElevation).short_by_deg.unwrap();
        assert!((short - 7.0).abs() <= 2.0, "arm 12° below the line, target 5° below: short by {short}");
    }
}

const PLAN: &str = r#"
[[exercise]]
name = "hinge"
sets = 1
reps = 5
target_trunk_lean_deg = 60
target_hip_flexion_deg = 75.5

[[exercise]]
name = "bird-dog"
sets = 1
reps = 4
target_arm_elevation_deg = -10
"#;

#[test]
fn the_plan_sets_targets_and_refuses_bad_ones() {
    let plan = Prescription::from_toml(PLAN).unwrap();
    let hinge = effective_config(Some(&plan), Exercise::Hinge).rom;
    assert_eq!(hinge, RomTargets { trunk_lean_deg: Some(60.0), hip_flexion_deg: Some(75.5), ..Default::default() });
    let bd = effective_config(Some(&plan), Exercise::BirdDog).rom;
    assert_eq!(bd, RomTargets { arm_elevation_deg: Some(-10.0), ..Default::default() });
    // Round trip, and the dose line names the targets.
    assert_eq!(Prescription::from_toml(&plan.to_toml()).unwrap(), plan);
    let dose = plan.plan_for(Exercise::Hinge).unwrap().dose_text();
    assert!(dose.contains("target trunk lean 60°, target hip flexion 76°"), "{dose}");
    // Without targets: none.
    let plain = Prescription::from_toml("[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 5\n").unwrap();
    assert_eq!(effective_config(Some(&plain), Exercise::Hinge).rom, RomTargets::default());
    assert!(!effective_config(None, Exercise::Hinge).rom.any());

    // (file, line, key path, part of the message)
    let bad: [(&str, usize, &str, &str); 5] = [
        (
            "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 5\ntarget_trunk_lean_deg = 150\n",
            5,
            "exercise[0].target_trunk_lean_deg",
            "target_trunk_lean_deg must be 15 to 120 (degrees from vertical, 90 = trunk horizontal), not 150",
        ),
        (
            "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 5\ntarget_hip_flexion_deg = 5\n",
            5,
            "exercise[0].target_hip_flexion_deg",
            "target_hip_flexion_deg must be 15 to 150",
        ),
        (
            "[[exercise]]\nname = \"bird-dog\"\nsets = 1\nreps = 5\ntarget_leg_elevation_deg = 30\n",
            5,
            "exercise[0].target_leg_elevation_deg",
            "must be -60 to 15 (degrees against the trunk line, 0 = in line, negative = below it), not 30",
        ),
        (
            "[[exercise]]\nname = \"bird-dog\"\nsets = 1\nreps = 5\ntarget_trunk_lean_deg = 60\n",
            5,
            "exercise[0].target_trunk_lean_deg",
            "`target_trunk_lean_deg` is a hinge target, not one for bird-dog",
        ),
        (
            "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 5\ntarget_trunk_lean_deg = \"deep\"\n",
            5,
            "exercise[0].target_trunk_lean_deg",
            "invalid type",
        ),
    ];
    for (text, line, path, message) in bad {
        let e = Prescription::from_toml(text).expect_err(text);
        assert_eq!((e.line, e.path.as_str()), (line, path), "{e}");
        assert!(e.message.contains(message), "want {message:?} in {:?}", e.message);
    }
}

/// The good-mornings clip analysed under a plan with hinge targets (Lightning: the angles, not the
/// model, are under test), saved, and reported: every rep carries its trunk lean and hip flexion
/// against the targets in `analyze`'s JSON and text, in the store, and in the report's HTML and CSV.
#[test]
fn a_clip_analysed_under_a_plan_carries_its_targets_into_analyze_and_the_report() {
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let json_path = dir.path().join("out.json");
    let bin = crate::support::formcheck_bin();
    let out = Command::new(&bin)
        .env("FORMCHECK_DATA", dir.path())
        .arg("--prescription")
        .arg(&plan)
        .arg("analyze")
        .arg(&clip)
        .args(["--exercise", "hinge", "--model", "lightning", "--save", "--quiet", "--threads", "2", "--json"])
        .arg(&json_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let reps: Vec<RepRecord> = serde_json::from_value(v["exercise"]["reps"].clone()).unwrap();
    assert!(reps.len() >= 2, "the good-mornings clip has several reps; got {}", reps.len());
    for rep in &reps {
        let h = rep.hinge.as_ref().unwrap();
        let lean = reading(rep, RomMeasure::TrunkLean);
        let flex = reading(rep, RomMeasure::HipFlexion);
        assert!((lean.peak_deg - h.peak_trunk_deg).abs() < 1e-3, "{lean:?} vs {}", h.peak_trunk_deg);
        assert!((flex.peak_deg - (180.0 - h.peak_hip_deg)).abs() < 1e-2, "{flex:?} vs {}", h.peak_hip_deg);
        for (r, target) in [(lean, 60.0f32), (flex, 75.5)] {
            assert_eq!(r.target_deg, Some(target));
            assert_eq!(r.reached, Some(r.peak_deg >= target - 0.5), "{r:?}");
            assert_eq!(r.short_by_deg, Some((target - r.peak_deg).round().max(0.0)), "{r:?}");
        }
        // The terminal summary: one range-of-motion line per rep, as `RomReading::text` words it.
        let line = format!("    range of motion: {}, {}", lean.text(), flex.text());
        assert!(stdout.contains(&line), "no {line:?} in\n{stdout}");
    }

    // The store keeps it; the report shows it.
    let id = crate::support::saved_session_id(&stdout);
    let store = formcheck::session::store::Store::open(&dir.path().join("formcheck.db")).unwrap();
    assert_eq!(store.load_session(id).unwrap().set_records[0].reps, reps, "the stored reps, ROM included");
    let (html, csv) = (dir.path().join("r.html"), dir.path().join("r.csv"));
    let rep_out = Command::new(&bin)
        .env("FORMCHECK_DATA", dir.path())
        .args(["report", "--last", "--out"])
        .arg(&html)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(rep_out.status.success(), "{}", String::from_utf8_lossy(&rep_out.stderr));
    let html = std::fs::read_to_string(&html).unwrap();
    let section = html.split("<h2>Range of motion</h2>").nth(1).expect("a range-of-motion section");
    let rows: Vec<&str> = section.split("</table>").next().unwrap().split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2 * reps.len(), "one row per measure per rep");
    for (row, r) in rows.iter().zip(reps.iter().flat_map(|r| &r.rom)) {
        assert!(row.contains(&format!("<td>{}</td>", r.measure.label())), "{row}");
        assert!(row.contains(&format!("<td class=\"n\">{:.0}</td>", r.peak_deg)), "{row}");
        assert!(row.contains(&format!("<td class=\"n\">{:.0}</td>", r.target_deg.unwrap())), "{row}");
        let verdict = if r.reached == Some(true) {
            "reached".to_string()
        } else {
            format!("short by {:.0}°", r.short_by_deg.unwrap())
        };
        assert!(row.contains(&verdict), "{verdict} not in {row}");
    }
    let csv = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    // Counted from the end of the row: the ROM columns are last and numeric, whereas `detail`
    // before them may hold a quoted comma.
    let from_end = |name: &str| header.len() - header.iter().position(|c| *c == name).expect(name) - 1;
    let rep_rows: Vec<Vec<&str>> = lines.filter(|l| l.starts_with("rep,")).map(|l| l.rsplit(',').collect()).collect();
    assert_eq!(rep_rows.len(), reps.len());
    for (row, rep) in rep_rows.iter().zip(&reps) {
        let lean = reading(rep, RomMeasure::TrunkLean);
        let flex = reading(rep, RomMeasure::HipFlexion);
        assert_eq!(row[from_end("trunk_lean_deg")], format!("{:.3}", lean.peak_deg));
        assert_eq!(row[from_end("trunk_lean_target_deg")], "60.000");
        assert_eq!(row[from_end("hip_flexion_deg")], format!("{:.3}", flex.peak_deg));
        assert_eq!(row[from_end("hip_flexion_target_deg")], "75.500");
        assert_eq!(row[from_end("arm_elevation_deg")], "", "no arm on a hinge rep");
    }
}

/// The live screen, on the demo under a plan with a trunk-lean target: once a rep is counted, the
/// coach panel shows its range of motion against the target, as the rep recorded it.
#[test]
fn the_live_screen_shows_the_last_rep_against_its_target() {
    use egui_kittest::kittest::Queryable;
    use formcheck::app::{FormcheckApp, Launch};
    use formcheck::coach::Stage;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 2\nrest_s = 5\ntarget_trunk_lean_deg = 120\n",
    )
    .unwrap();
    let launch = Launch {
        source: Some(formcheck::capture::SourceSpec::Demo),
        exercise: Some(Exercise::Hinge),
        prescription: Some(plan),
        data_dir: Some(dir.path().join("data")),
        stepped: Some(8),
        ..Launch::default()
    };
    let mut h = crate::support::app_harness(FormcheckApp::new(launch, Vec::new()), egui::vec2(1280.0, 800.0), true);
    let reps = |h: &egui_kittest::Harness<'_, FormcheckApp>| {
        h.state().coach().and_then(|c| c.sets().last().map(|s| s.reps.len())).unwrap_or(0)
    };
    for _ in 0..600 {
        if reps(&h) >= 1 && h.state().coach().map(formcheck::coach::Coach::stage) == Some(Stage::Active) {
            break;
        }
        h.step();
    }
    h.run_steps(2);
    assert_eq!(reps(&h), 1, "the demo counted its first rep");
    assert_eq!(h.state().coach().map(formcheck::coach::Coach::stage), Some(Stage::Active));
    let rep = h.state().coach().unwrap().sets()[0].reps[0].clone();
    let lean = reading(&rep, RomMeasure::TrunkLean);
    assert_eq!(lean.target_deg, Some(120.0), "the plan's target reaches the engine");
    assert_eq!(lean.reached, Some(lean.peak_deg >= 119.5));
    assert_eq!(reading(&rep, RomMeasure::HipFlexion).target_deg, None, "no hip target in the plan");
    let want = format!("Last rep: {}", rep.rom.iter().map(RomReading::text).collect::<Vec<_>>().join(" · "));
    assert!(want.contains("(target 120°: "), "{want}");
    h.get_by_label(&want);
}
