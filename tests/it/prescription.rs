//! Prescription parsing: valid files, and every kind of malformed file with the exact line, column
//! and key path it must report; and `formcheck --prescription FILE --check`.

use formcheck::form::Exercise;
use formcheck::session::prescription::{Prescription, SidePlankVariant, line_col};
use std::process::Command;

const HINGE: &str = "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n";

#[test]
fn valid_files_parse() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/prescription-example.toml")).unwrap();
    let p = Prescription::from_toml(&example).expect("the shipped example is valid");
    assert_eq!(p.exercises.iter().map(|e| e.name).collect::<Vec<_>>(), Exercise::ALL.to_vec());
    let hinge = p.plan_for(Exercise::Hinge).unwrap();
    assert_eq!((hinge.sets, hinge.reps, hinge.tempo.as_deref()), (3, Some(6), Some("3-1-2")));
    let cfg = p.config_for(Exercise::Hinge);
    assert_eq!((cfg.hinge.min_depth_trunk_deg, cfg.hinge.min_lowering_s), (35.0, 2.5));
    // Untouched fields keep their defaults.
    assert_eq!(cfg.hinge.lockout_hip_deg, formcheck::form::HingeConfig::default().lockout_hip_deg);
    assert_eq!(p.config_for(Exercise::BirdDog).bird_dog.min_pause_s, 2.0);
    let plank = p.plan_for(Exercise::SidePlank).unwrap();
    assert_eq!((plank.hold_s, plank.variant), (Some(20.0), Some(SidePlankVariant::ELBOW_KNEES)));
    assert_eq!(p.config_for(Exercise::SidePlank).side_plank.target_s, 20.0);
    assert!(p.notes.contains("3 out of 10"));

    let cases: &[(&str, &str)] = &[
        ("minimal hinge", HINGE),
        ("alias names", "[[exercise]]\nname = \"bird_dog\"\nsets = 1\nreps = 10\n"),
        ("short variant", "[[exercise]]\nname = \"side-plank\"\nsets = 2\nhold_s = 30\nvariant = \"feet\"\n"),
        ("hand variant", "[[exercise]]\nname = \"side_plank\"\nsets = 1\nhold_s = 10.5\nvariant = \"hand-knees\"\n"),
        (
            "common and cue overrides",
            "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 50\n[exercise.overrides.common]\nmin_score = 0.4\n[exercise.overrides.cues]\ncount_reps = false\n",
        ),
        ("inline overrides", "[[exercise]]\nname = \"hinge\"\nsets = 10\nreps = 1\novercrides_none = 1\n"),
    ];
    for (name, text) in cases {
        let r = Prescription::from_toml(text);
        if *name == "inline overrides" {
            assert!(r.is_err(), "{name}: unknown field must be refused");
            continue;
        }
        let p = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        // Round trip through TOML.
        assert_eq!(Prescription::from_toml(&p.to_toml()).unwrap(), p, "{name}");
    }
    let d = Prescription::default_plan();
    assert_eq!(Prescription::from_toml(&d.to_toml()).unwrap(), d);
    let dose: Vec<String> = d.exercises.iter().map(|e| e.dose_text()).collect();
    assert_eq!(dose[0], "Hip hinge: 3 x 6 reps, tempo 3-1-2, rest 60 s");
    assert_eq!(dose[1], "Bird dog: 1 x 6 reps per side, rest 30 s");
    assert_eq!(dose[2], "Side plank: 1 x 20 s hold per side, elbow-knees, rest 30 s");
}

/// (name, file, line, column, key path, part of the message).
const MALFORMED: &[(&str, &str, usize, usize, &str, &str)] = &[
    (
        "unknown exercise",
        "[[exercise]]\nname = \"squat\"\nsets = 3\nreps = 6\n",
        2,
        8,
        "exercise[0].name",
        "unknown variant `squat`",
    ),
    (
        "zero sets",
        "[[exercise]]\nname = \"hinge\"\nsets = 0\nreps = 6\n",
        3,
        8,
        "exercise[0].sets",
        "sets must be 1 to 10, not 0",
    ),
    (
        "too many sets",
        "[[exercise]]\nname = \"hinge\"\nsets = 11\nreps = 6\n",
        3,
        8,
        "exercise[0].sets",
        "sets must be 1 to 10, not 11",
    ),
    (
        "too many reps",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 60\n",
        4,
        8,
        "exercise[0].reps",
        "reps must be 1 to 50, not 60",
    ),
    (
        "zero reps",
        "[[exercise]]\nname = \"bird-dog\"\nsets = 3\nreps = 0\n",
        4,
        8,
        "exercise[0].reps",
        "reps must be 1 to 50, not 0",
    ),
    (
        "negative reps",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = -2\n",
        4,
        8,
        "exercise[0].reps",
        "invalid value: integer `-2`, expected u32",
    ),
    (
        "sets as text",
        "[[exercise]]\nname = \"hinge\"\nsets = \"three\"\nreps = 6\n",
        3,
        8,
        "exercise[0].sets",
        "invalid type: string \"three\", expected u32",
    ),
    ("missing sets", "[[exercise]]\nname = \"hinge\"\nreps = 6\n", 1, 1, "exercise[0].sets", "missing field `sets`"),
    ("missing reps", "[[exercise]]\nname = \"hinge\"\nsets = 2\n", 2, 8, "exercise[0].name", "hinge needs `reps`"),
    (
        "missing hold",
        "[[exercise]]\nname = \"side-plank\"\nsets = 3\n",
        2,
        8,
        "exercise[0].name",
        "side-plank needs `hold_s`",
    ),
    (
        "reps on the plank",
        "[[exercise]]\nname = \"side-plank\"\nsets = 1\nhold_s = 20\nreps = 5\n",
        5,
        8,
        "exercise[0].reps",
        "use `hold_s`, not `reps`",
    ),
    (
        "hold on the hinge",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\nhold_s = 20\n",
        5,
        10,
        "exercise[0].hold_s",
        "`hold_s` is for the side plank",
    ),
    (
        "hold too long",
        "[[exercise]]\nname = \"side-plank\"\nsets = 1\nhold_s = 200\n",
        4,
        10,
        "exercise[0].hold_s",
        "hold_s must be 5 to 120 s, not 200",
    ),
    (
        "negative rest",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\nrest_s = -5\n",
        5,
        10,
        "exercise[0].rest_s",
        "rest_s must be 0 to 600 s, not -5",
    ),
    (
        "unknown variant",
        "[[exercise]]\nname = \"side-plank\"\nsets = 3\nhold_s = 20\nvariant = \"toes\"\n",
        5,
        11,
        "exercise[0].variant",
        "unknown side plank variant `toes`",
    ),
    (
        "variant on the hinge",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\nvariant = \"feet\"\n",
        5,
        11,
        "exercise[0].variant",
        "`variant` is for the side plank",
    ),
    (
        "bad tempo",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\ntempo = \"slow\"\n",
        5,
        9,
        "exercise[0].tempo",
        "tempo `slow` should be",
    ),
    (
        "unknown field in an exercise",
        "notes = \"hi\"\n\n[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n\n[[exercise]]\nname = \"side-plank\"\nsets = 2\nhold_s = 20\ncolour = \"red\"\n",
        12,
        1,
        "exercise[1].colour",
        "unknown field `colour`",
    ),
    (
        "unknown top-level field",
        "titel = \"x\"\n[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n",
        1,
        1,
        "titel",
        "unknown field `titel`",
    ),
    (
        "unknown threshold",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n[exercise.overrides.hinge]\nmin_depth = 3.0\n",
        6,
        1,
        "exercise[0].overrides.hinge.min_depth",
        "unknown field `min_depth`",
    ),
    (
        "threshold of the wrong type",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n[exercise.overrides.hinge]\nmin_depth_trunk_deg = \"deep\"\n",
        6,
        23,
        "exercise[0].overrides.hinge.min_depth_trunk_deg",
        "invalid type: string \"deep\", expected f32",
    ),
    (
        "unknown override section",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n[exercise.overrides.knees]\nx = 1\n",
        5,
        21,
        "exercise[0].overrides.knees",
        "unknown field `knees`",
    ),
    (
        "another exercise's overrides",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n[exercise.overrides.side_plank]\ntarget_s = 3.0\n",
        5,
        1,
        "exercise[0].overrides.side_plank",
        "have no effect on hinge",
    ),
    (
        "exercise twice",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\n",
        6,
        8,
        "exercise[1].name",
        "hinge is already prescribed",
    ),
    ("no exercise", "title = \"x\"\n", 1, 1, "", "no exercise"),
    (
        "missing value",
        "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 6\nrest_s = \n",
        5,
        10,
        "exercise[0].rest_s",
        "",
    ),
    (
        "unclosed string",
        "[[exercise]]\nname = \"hinge\nsets = 3\nreps = 6\n",
        2,
        14,
        "exercise[0].name",
        "invalid basic string",
    ),
];

#[test]
fn malformed_files_say_where() {
    let mut failures = Vec::new();
    for (name, text, line, column, path, message) in MALFORMED {
        match Prescription::from_toml(text) {
            Ok(_) => failures.push(format!("{name}: accepted")),
            Err(e) => {
                if (e.line, e.column, e.path.as_str()) != (*line, *column, *path) || !e.message.contains(message) {
                    failures.push(format!(
                        "{name}: got {}:{} `{}` {:?}, want {line}:{column} `{path}` containing {message:?}",
                        e.line, e.column, e.path, e.message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn line_and_column_count_characters() {
    let t = "a = 1\nbé = \"x\"\n";
    assert_eq!(line_col(t, 0), (1, 1));
    assert_eq!(line_col(t, 6), (2, 1));
    assert_eq!(line_col(t, t.find('=').unwrap()), (1, 3));
    assert_eq!(line_col(t, t.rfind('=').unwrap()), (2, 4));
}

#[test]
fn check_flag_validates_without_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/prescription-example.toml");
    let out =
        Command::new(crate::support::formcheck_bin()).args(["--prescription", example, "--check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("valid prescription"), "{stdout}");
    assert!(stdout.contains("Hip hinge: 3 x 6 reps, tempo 3-1-2, rest 60 s, 2 threshold override(s)"), "{stdout}");
    assert!(stdout.contains("Side plank: 1 x 20 s hold per side, elbow-knees"), "{stdout}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = 60\n").unwrap();
    let out =
        Command::new(crate::support::formcheck_bin()).arg("--prescription").arg(&bad).arg("--check").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:4:8: `exercise[0].reps`: reps must be 1 to 50, not 60", bad.display())),
        "{stderr}"
    );

    let out = Command::new(crate::support::formcheck_bin())
        .arg("--prescription")
        .arg(dir.path().join("missing.toml"))
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the file"));
}
