//! The report as CSV: one row per dose line, rep, hold, attempt, fault occurrence and pain rating.

use super::Report;
use crate::form::{Exercise, RomMeasure, Severity};
use crate::session::store::format_time;
use std::collections::BTreeMap;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 30] = [
    "record",
    "session_id",
    "exercise",
    "set",
    "index",
    "side",
    "start_s",
    "end_s",
    "clean",
    "faults",
    "peak_trunk_deg",
    "peak_hip_deg",
    "lowering_s",
    "rising_s",
    "max_thoracic_gap",
    "worst_gap_s",
    "head_contact",
    "seconds_in_form",
    "variant",
    "prescribed",
    "done",
    "detail",
    "trunk_lean_deg",
    "trunk_lean_target_deg",
    "hip_flexion_deg",
    "hip_flexion_target_deg",
    "arm_elevation_deg",
    "arm_elevation_target_deg",
    "leg_elevation_deg",
    "leg_elevation_target_deg",
];

/// The CSV columns of a range-of-motion measure: its peak and its target.
fn rom_columns(m: RomMeasure) -> (&'static str, &'static str) {
    match m {
        RomMeasure::TrunkLean => ("trunk_lean_deg", "trunk_lean_target_deg"),
        RomMeasure::HipFlexion => ("hip_flexion_deg", "hip_flexion_target_deg"),
        RomMeasure::ArmElevation => ("arm_elevation_deg", "arm_elevation_target_deg"),
        RomMeasure::LegElevation => ("leg_elevation_deg", "leg_elevation_target_deg"),
    }
}

/// The report as CSV: one row per dose line (`record=dose`), rep, hold, attempt, fault occurrence and pain
/// rating, with the columns of [`CSV_COLUMNS`] (empty where they do not apply).
#[must_use]
pub fn to_csv(r: &Report) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let sid = r.session.id.to_string();
    let mut row = |vals: BTreeMap<&str, String>| {
        let line: Vec<String> =
            CSV_COLUMNS.iter().map(|c| csv_field(vals.get(c).map(String::as_str).unwrap_or_default())).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    };
    let o32 = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.3}"));
    let o64 = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    for e in &r.exercises {
        row(BTreeMap::from([
            ("record", "dose".into()),
            ("session_id", sid.clone()),
            ("exercise", e.exercise.name().into()),
            ("set", e.sets_done.to_string()),
            ("prescribed", e.reps_prescribed.or(e.holds_prescribed).map_or(String::new(), |v| v.to_string())),
            ("done", if e.holds_done > 0 { e.holds_done } else { e.reps_done }.to_string()),
            ("clean", e.clean_reps.to_string()),
            ("seconds_in_form", format!("{:.3}", e.hold_seconds)),
            ("detail", format!("{} with faults", e.faulty_reps)),
        ]));
    }
    for x in &r.reps {
        let mut vals = BTreeMap::from([
            ("record", "rep".into()),
            ("session_id", sid.clone()),
            ("exercise", x.exercise.name().into()),
            ("set", x.set.to_string()),
            ("index", x.index.to_string()),
            ("side", x.side.clone().unwrap_or_default()),
            ("start_s", format!("{:.3}", x.start_s)),
            ("end_s", format!("{:.3}", x.end_s)),
            ("clean", x.clean.to_string()),
            ("faults", x.faults.iter().map(|f| f.id()).collect::<Vec<_>>().join(";")),
            ("peak_trunk_deg", o32(x.peak_trunk_deg)),
            ("peak_hip_deg", o32(x.peak_hip_deg)),
            ("lowering_s", o64(x.lowering_s)),
            ("rising_s", o64(x.rising_s)),
            ("max_thoracic_gap", o32(x.max_thoracic_gap)),
            ("worst_gap_s", o64(x.worst_gap_s)),
            ("head_contact", x.head_contact.map_or(String::new(), |b| b.to_string())),
            (
                "detail",
                x.spine_method.as_ref().map_or(String::new(), |m| {
                    let why = x.mask_refused.as_ref().map_or(String::new(), |w| format!("; mask: {w}"));
                    format!("spine judged by {m}; thoracic proxy {}{why}", o32(x.thoracic_proxy))
                }),
            ),
        ]);
        // Range of motion: `<measure>_deg` (the peak) and `<measure>_target_deg` (empty without one).
        for m in &x.rom {
            let (peak, target) = rom_columns(m.measure);
            vals.insert(peak, format!("{:.3}", m.peak_deg));
            vals.insert(target, o32(m.target_deg));
        }
        row(vals);
    }
    for x in &r.holds {
        row(BTreeMap::from([
            ("record", "hold".into()),
            ("session_id", sid.clone()),
            ("exercise", Exercise::SidePlank.name().into()),
            ("set", x.set.to_string()),
            ("index", x.index.to_string()),
            ("side", x.side.clone().unwrap_or_default()),
            ("start_s", format!("{:.3}", x.start_s)),
            ("end_s", format!("{:.3}", x.end_s)),
            ("faults", x.faults.iter().map(|f| f.id()).collect::<Vec<_>>().join(";")),
            ("seconds_in_form", format!("{:.3}", x.seconds_in_form)),
            ("variant", x.variant.clone()),
            ("prescribed", o64(x.target_s)),
        ]));
    }
    for x in &r.attempts {
        row(BTreeMap::from([
            ("record", "attempt".into()),
            ("session_id", sid.clone()),
            ("exercise", x.exercise.name().into()),
            ("set", x.set.to_string()),
            ("index", x.index.to_string()),
            ("side", x.side.clone().unwrap_or_default()),
            ("start_s", format!("{:.3}", x.start_s)),
            ("end_s", format!("{:.3}", x.end_s)),
            (
                "detail",
                format!("{}: {} reached {}, a rep needs {:.0}", x.reason, x.measure, o32(x.reached_deg), x.needed_deg),
            ),
        ]));
    }
    for f in &r.faults {
        for e in &f.examples {
            row(BTreeMap::from([
                ("record", "fault".into()),
                ("session_id", sid.clone()),
                ("exercise", f.exercise.name().into()),
                ("set", e.set.to_string()),
                ("index", e.index.to_string()),
                ("start_s", format!("{:.3}", e.t_s)),
                ("faults", f.fault.id().into()),
                ("detail", format!("{} {}", if f.severity == Severity::Major { "major" } else { "minor" }, e.kind)),
                ("seconds_in_form", o64(e.duration_s)),
            ]));
        }
    }
    for p in &r.pain_trend {
        for (kind, v) in [("before", p.before), ("after", p.after), ("next_day", p.next_day)] {
            if let Some(v) = v {
                row(BTreeMap::from([
                    ("record", "pain".into()),
                    ("session_id", p.session_id.to_string()),
                    ("done", v.to_string()),
                    ("detail", format!("{kind}, session of {}", format_time(p.started_at))),
                ]));
            }
        }
    }
    row(BTreeMap::from([
        ("record", "pacing".into()),
        ("session_id", sid.clone()),
        ("detail", format!("{}: {}", format!("{:?}", r.pacing.decision).to_lowercase(), r.pacing.text())),
    ]));
    // Who, how, and what was kept: one row each (`detail`), present ones only.
    let a = &r.about;
    let about: [(&str, Option<String>); 6] = [
        ("patient", a.patient.clone()),
        ("telehealth", a.telehealth.map(|m| a.capture.as_ref().map_or(m.to_string(), |c| format!("{m} ({c})")))),
        ("consent", a.consent_line.clone()),
        ("pictures", Some(a.pictures.clone())),
        ("mirrored", Some(a.mirrored.clone())),
        ("notes", a.notes.clone()),
    ];
    for (record, detail) in about {
        if let Some(detail) = detail {
            row(BTreeMap::from([("record", record.into()), ("session_id", sid.clone()), ("detail", detail)]));
        }
    }
    out
}
