//! The session report a therapist reads after a telehealth call: one self-contained HTML file
//! (inline CSS, charts as inline SVG, no script, no external URL), and the same data as CSV and
//! JSON.
//!
//! Contents: dose completed vs prescribed, form quality per exercise (clean vs faulty reps, hold
//! seconds), faults by frequency with examples (set, rep and time), per-rep hinge measurements
//! (trunk depth, largest thoracic gap and when, head contact, whether a real dowel was detected),
//! the key frame of the worst rep when the user allowed key frames (an inline `data:` JPEG; the
//! JSON gives its caption and size, not its bytes), the pain trend across sessions, and the pacing
//! suggestion. The HTML is also well-formed XML (every element closed, text escaped),
//! which the tests check with an XML parser.

use crate::form::{Exercise, FaultId, Severity, SpineMethod};
use crate::pacing::{self, PacingRules, PainKind, PainRating, Suggestion};
use crate::prescription::Prescription;
use crate::store::{SessionRecord, SessionSummary, Store, format_time};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Dose and quality of one exercise in the session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExerciseQuality {
    /// The exercise.
    pub exercise: Exercise,
    /// Sets done.
    pub sets_done: u32,
    /// Sets prescribed (None without a prescription for it).
    pub sets_prescribed: Option<u32>,
    /// Reps done (both sides for the bird dog).
    pub reps_done: u32,
    /// Reps prescribed over all sets (both sides for the bird dog).
    pub reps_prescribed: Option<u32>,
    /// Reps without any fault.
    pub clean_reps: u32,
    /// Reps with at least one fault.
    pub faulty_reps: u32,
    /// Reps with a major fault.
    pub major_fault_reps: u32,
    /// Holds done.
    pub holds_done: u32,
    /// Holds prescribed (one per side per set).
    pub holds_prescribed: Option<u32>,
    /// Seconds in form over all holds.
    pub hold_seconds: f64,
    /// Prescribed seconds per hold.
    pub hold_target_s: Option<f64>,
    /// Holds that reached the target.
    pub holds_on_target: u32,
}

/// Where a fault was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultExample {
    /// Set number.
    pub set: u32,
    /// Rep (or hold) number in the set.
    pub index: u32,
    /// "rep" or "hold".
    pub kind: &'static str,
    /// Media time (s): the bottom of a hinge rep, else the start.
    pub t_s: f64,
    /// How long the fault lasted (s).
    pub duration_s: Option<f64>,
}

/// A fault's frequency in the session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultSummary {
    /// The spec's id.
    pub fault: FaultId,
    /// Major or minor.
    pub severity: Severity,
    /// Exercise it was seen in.
    pub exercise: Exercise,
    /// Reps or holds with it.
    pub count: u32,
    /// The cue that corrects it.
    pub cue: String,
    /// Where (all occurrences, in order).
    pub examples: Vec<FaultExample>,
}

/// One rep's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepRow {
    /// Exercise.
    pub exercise: Exercise,
    /// Set number.
    pub set: u32,
    /// Rep number in the set.
    pub index: u32,
    /// Side (bird dog).
    pub side: Option<String>,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// No fault.
    pub clean: bool,
    /// Fault ids.
    pub faults: Vec<FaultId>,
    /// Hinge: peak trunk angle (deg).
    pub peak_trunk_deg: Option<f32>,
    /// Hinge: deepest hip angle (deg).
    pub peak_hip_deg: Option<f32>,
    /// Hinge: lowering time (s).
    pub lowering_s: Option<f64>,
    /// Hinge: rising time (s).
    pub rising_s: Option<f64>,
    /// Hinge: largest gap between the upper back and the dowel (torso lengths).
    pub max_thoracic_gap: Option<f32>,
    /// Hinge: when that gap was seen (s).
    pub worst_gap_s: Option<f64>,
    /// Hinge: why the mask judged none of the rep's bent frames (its most frequent reason), when
    /// it gave no thoracic gap although it looked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask_refused: Option<String>,
    /// Hinge: the back of the head stayed on the dowel.
    pub head_contact: Option<bool>,
    /// Hinge: how the dowel contacts were judged on most frames ("contour", "dowel",
    /// "keypoints", "not_judged").
    pub spine_method: Option<String>,
    /// Hinge: the keypoint proxy of the thoracic contact (shoulder's offset from the ear-hip
    /// line, torso lengths), measured even when the spine was not judged.
    pub thoracic_proxy: Option<f32>,
    /// Hinge: most extreme ear-shoulder-hip angle (deg; 180 = in line).
    pub worst_head_deg: Option<f32>,
    /// Hinge: a real dowel was detected (the dowel contacts were judged on a detected dowel on
    /// most judged frames, `spine_method` = dowel).
    pub real_dowel: Option<bool>,
}

/// The session's key frame (kept only when the user allowed key frames).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFrameView {
    /// The rep it shows (index in the set).
    pub rep_index: u32,
    /// Media time (s).
    pub t_s: f64,
    /// Rep, time, faults, thoracic gap.
    pub caption: String,
    /// Size of the JPEG (bytes); the JPEG itself is only in the HTML.
    pub jpeg_bytes: usize,
    /// The JPEG.
    #[serde(skip)]
    pub jpeg: Vec<u8>,
}

/// One hold's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldRow {
    /// Set number.
    pub set: u32,
    /// Hold number in the set.
    pub index: u32,
    /// Side down.
    pub side: Option<String>,
    /// Variant.
    pub variant: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// Seconds in form.
    pub seconds_in_form: f64,
    /// Prescribed seconds.
    pub target_s: Option<f64>,
    /// Fault ids.
    pub faults: Vec<FaultId>,
}

/// One session on the pain trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainPoint {
    /// Session id.
    pub session_id: i64,
    /// Unix time (s).
    pub started_at: i64,
    /// Pain before.
    pub before: Option<u8>,
    /// Worst pain after a set or the session.
    pub after: Option<u8>,
    /// Next-day check-in.
    pub next_day: Option<u8>,
}

/// Everything in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Unix time (s) the report was made.
    pub generated_at: i64,
    /// The session.
    pub session: SessionSummary,
    /// Its prescription snapshot.
    pub prescription: Option<Prescription>,
    /// Dose and quality per exercise (prescribed ones first, in plan order).
    pub exercises: Vec<ExerciseQuality>,
    /// Faults, most frequent first.
    pub faults: Vec<FaultSummary>,
    /// Every rep.
    pub reps: Vec<RepRow>,
    /// Every hold.
    pub holds: Vec<HoldRow>,
    /// Pain ratings of this session.
    pub pain: Vec<PainRating>,
    /// The session's sets: (store id, set number, exercise), to name the set a rating followed.
    pub sets: Vec<(i64, u32, Exercise)>,
    /// Pain across sessions up to this one (at most the last 30).
    pub pain_trend: Vec<PainPoint>,
    /// The pacing suggestion for the session's plan.
    pub pacing: Suggestion,
    /// The thoracic gap threshold in force for the hinge (torso lengths).
    pub thoracic_gap_limit: f32,
    /// The keypoint proxy's threshold in force for the hinge (torso lengths).
    pub thoracic_proxy_limit: f32,
    /// The key frame of the worst rep, when one was stored.
    pub key_frame: Option<KeyFrameView>,
}

/// Builds the report of session `id` from the store (pacing judged at the store's clock).
///
/// # Errors
/// When the session does not exist or does not read back.
pub fn build(store: &Store, id: i64) -> Result<Report> {
    let rec = store.load_session(id)?;
    let history = store.pain_history()?;
    let now = store.now();
    Ok(from_record(&rec, &history, now))
}

/// One exercise's dose and form quality in a session (the report's table, the history's charts).
#[must_use]
pub fn exercise_quality(rec: &SessionRecord, e: Exercise) -> ExerciseQuality {
    let p = rec.prescription.as_ref().and_then(|p| p.plan_for(e));
    let sets: Vec<_> = rec.sets_of(e).collect();
    let reps = sets.iter().flat_map(|s| &s.reps);
    let holds: Vec<_> = sets.iter().flat_map(|s| &s.holds).collect();
    let target = p.and_then(|p| p.hold_s).or_else(|| sets.iter().find_map(|s| s.target_hold_s));
    ExerciseQuality {
        exercise: e,
        sets_done: sets.len() as u32,
        sets_prescribed: p.map(|p| p.sets),
        reps_done: reps.clone().count() as u32,
        reps_prescribed: p.and_then(|p| p.total_reps()),
        clean_reps: reps.clone().filter(|r| r.faults.is_empty()).count() as u32,
        faulty_reps: reps.clone().filter(|r| !r.faults.is_empty()).count() as u32,
        major_fault_reps: reps.filter(|r| r.has_major_fault()).count() as u32,
        holds_done: holds.len() as u32,
        holds_prescribed: p.and_then(|p| p.total_holds()),
        hold_seconds: holds.iter().map(|h| h.seconds_in_form).fold(0.0, |a, b| a + b),
        hold_target_s: target,
        holds_on_target: holds.iter().filter(|h| target.is_some_and(|t| h.seconds_in_form >= t - 0.05)).count() as u32,
    }
}

/// Builds a report from a loaded session and the pain log.
#[must_use]
pub fn from_record(rec: &SessionRecord, history: &[pacing::SessionPain], now: i64) -> Report {
    let plan = rec.prescription.clone();
    let mut exercises: Vec<Exercise> =
        plan.as_ref().map(|p| p.exercises.iter().map(|e| e.name).collect()).unwrap_or_default();
    for s in &rec.set_records {
        if !exercises.contains(&s.exercise) {
            exercises.push(s.exercise);
        }
    }
    let quality = exercises.iter().map(|&e| exercise_quality(rec, e)).collect();
    let mut reps = Vec::new();
    let mut holds = Vec::new();
    let mut faults: BTreeMap<(&'static str, FaultId), FaultSummary> = BTreeMap::new();
    for s in &rec.set_records {
        for r in &s.reps {
            let h = r.hinge.as_ref();
            reps.push(RepRow {
                exercise: s.exercise,
                set: s.set_number,
                index: r.index,
                side: r.side.map(|x| x.name().to_string()),
                start_s: r.start_s,
                end_s: r.end_s,
                clean: r.faults.is_empty(),
                faults: r.faults.clone(),
                peak_trunk_deg: h.map(|h| h.peak_trunk_deg),
                peak_hip_deg: h.map(|h| h.peak_hip_deg),
                lowering_s: h.map(|h| h.lowering_s),
                rising_s: h.map(|h| h.rising_s),
                max_thoracic_gap: h.and_then(|h| h.max_thoracic_gap),
                worst_gap_s: h.and_then(|h| h.worst_gap_s),
                mask_refused: h.and_then(|h| h.mask_refused.as_deref()).map(crate::back::refusal_text),
                head_contact: h.and_then(|h| h.head_contact),
                spine_method: h.and_then(|h| enum_text(&h.spine_method)),
                thoracic_proxy: h.and_then(|h| h.max_thoracic_offset),
                worst_head_deg: h.and_then(|h| h.worst_head_deg),
                real_dowel: h.map(|h| h.spine_method == SpineMethod::Dowel),
            });
            for &f in &r.faults {
                let e = faults.entry((s.exercise.name(), f)).or_insert_with(|| fault_summary(s.exercise, f));
                e.count += 1;
                e.examples.push(FaultExample {
                    set: s.set_number,
                    index: r.index,
                    kind: "rep",
                    t_s: h.map_or(r.start_s, |h| h.bottom_s),
                    duration_s: r.fault_durations.get(&f).copied(),
                });
            }
        }
        for hd in &s.holds {
            holds.push(HoldRow {
                set: s.set_number,
                index: hd.index,
                side: hd.side.map(|x| x.name().to_string()),
                variant: hd.variant.clone(),
                start_s: hd.start_s,
                end_s: hd.end_s,
                seconds_in_form: hd.seconds_in_form,
                target_s: s.target_hold_s,
                faults: hd.faults.clone(),
            });
            for &f in &hd.faults {
                let e = faults.entry((s.exercise.name(), f)).or_insert_with(|| fault_summary(s.exercise, f));
                e.count += 1;
                e.examples.push(FaultExample {
                    set: s.set_number,
                    index: hd.index,
                    kind: "hold",
                    t_s: hd.start_s,
                    duration_s: hd.fault_durations.get(&f).copied(),
                });
            }
        }
    }
    let mut faults: Vec<FaultSummary> = faults.into_values().collect();
    faults.sort_by(|a, b| b.count.cmp(&a.count).then(a.severity.cmp(&b.severity)).then(a.fault.cmp(&b.fault)));
    let mut trend: Vec<PainPoint> = history
        .iter()
        .filter(|s| s.started_at <= rec.summary.started_at)
        .map(|s| PainPoint {
            session_id: s.session_id,
            started_at: s.started_at,
            before: s.before(),
            after: s.worst_after(),
            next_day: s.next_day(),
        })
        .collect();
    trend.sort_by_key(|p| (p.started_at, p.session_id));
    if trend.len() > 30 {
        trend.drain(..trend.len() - 30);
    }
    let pacing_plan = plan.clone().unwrap_or_else(Prescription::default_plan);
    let pacing = pacing::suggest(&pacing_plan, history, now, &PacingRules::default());
    let hinge_cfg = crate::prescription::effective_config(plan.as_ref(), Exercise::Hinge).hinge;
    Report {
        generated_at: now,
        session: rec.summary.clone(),
        prescription: plan,
        exercises: quality,
        faults,
        reps,
        holds,
        pain: rec.pain.clone(),
        sets: rec.set_records.iter().map(|s| (s.id, s.set_number, s.exercise)).collect(),
        pain_trend: trend,
        pacing,
        thoracic_gap_limit: hinge_cfg.contour_max_gap,
        thoracic_proxy_limit: hinge_cfg.thoracic_max_offset,
        key_frame: rec.key_frames.first().map(|k| KeyFrameView {
            rep_index: k.rep_index,
            t_s: k.t_s,
            caption: k.caption.clone(),
            jpeg_bytes: k.jpeg.len(),
            jpeg: k.jpeg.clone(),
        }),
    }
}

fn enum_text<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string))
}

fn fault_summary(e: Exercise, f: FaultId) -> FaultSummary {
    FaultSummary {
        fault: f,
        severity: f.severity(),
        exercise: e,
        count: 0,
        cue: f.cue_text_for(e).to_string(),
        examples: vec![],
    }
}

/// Escapes text for HTML (and XML): `& < > " '`.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "–".to_string(), |v| v.to_string())
}

fn f1(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
}

fn f0(v: Option<f32>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.0}"))
}

fn f2(v: Option<f32>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "kept",
        Some(false) => "lost",
        None => "–",
    }
}

fn faults_text(f: &[FaultId]) -> String {
    if f.is_empty() { "clean".into() } else { f.iter().map(|x| x.id()).collect::<Vec<_>>().join(", ") }
}

const CSS: &str = r"
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #d5dde5;padding-bottom:4px}
.meta{color:#52606d;margin:0 0 12px}
section{background:#fff;border-radius:8px;padding:12px 18px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
figure.keyframe{margin:8px 0}figure.keyframe img{max-width:100%;height:auto;display:block;border-radius:4px}figcaption{color:#52606d;margin-top:6px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:5px 8px;border-bottom:1px solid #e4e9ee;text-align:left}
th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.clean{color:#1b7f3b}.fault{color:#b44d00}.major{color:#b00020;font-weight:600}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{background:#eef6ff;border-radius:8px;padding:10px 14px;min-width:150px}
.tile b{display:block;font-size:26px}
.pacing{border-left:6px solid #2f6fb3}.pacing.regress{border-color:#d98200}.pacing.stop{border-color:#b00020}.pacing.progress{border-color:#1b7f3b}
.urgent{background:#fde8ea;border:2px solid #b00020;border-radius:8px;padding:10px 14px;font-weight:600}
.notes{white-space:pre-wrap}
svg text{font-family:system-ui,sans-serif;font-size:12px;fill:#334}
footer{color:#6b7785;font-size:12px;margin:24px 0}
";

/// A bar chart: one bar per value (None = not measured, drawn as a dash), an optional dashed
/// reference line, labels under the bars.
fn bar_chart(title: &str, bars: &[(String, Option<f64>, &str)], unit: &str, reference: Option<(f64, &str)>) -> String {
    let (w, h, left, bottom, top) = (1000.0_f64, 240.0_f64, 50.0_f64, 30.0_f64, 14.0_f64);
    let max =
        bars.iter().filter_map(|b| b.1).chain(reference.map(|r| r.0)).fold(0.0_f64, f64::max).max(f64::EPSILON) * 1.15;
    let plot_h = h - bottom - top;
    let y = |v: f64| top + plot_h * (1.0 - v / max);
    let n = bars.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bw = (slot * 0.7).min(60.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for i in 0..=4 {
        let v = max / 1.15 * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#e1e6eb"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - 10.0,
            y(v),
            y(v),
            left - 6.0,
            y(v) + 4.0,
            esc(&format_axis(v))
        );
    }
    for (i, (label, v, class)) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let color = match *class {
            "clean" => "#3a9d5d",
            "major" => "#c0392b",
            "info" => "#7f97b2",
            _ => "#e08a1e",
        };
        match v {
            Some(v) => {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{color}"><title>{}: {} {}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    y(*v),
                    (y(0.0) - y(*v)).max(0.5),
                    esc(label),
                    esc(&format_axis(*v)),
                    esc(unit),
                    x + bw / 2.0,
                    y(*v) - 3.0,
                    esc(&format_axis(*v))
                );
            }
            None => {
                let _ =
                    write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">–</text>"#, x + bw / 2.0, y(0.0) - 4.0);
            }
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x + bw / 2.0,
            h - 10.0,
            esc(label)
        );
    }
    if let Some((v, label)) = reference {
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#b00020" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" text-anchor="end" style="fill:#b00020">{}</text>"##,
            w - 10.0,
            y(v),
            y(v),
            w - 12.0,
            y(v) - 4.0,
            esc(label)
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#556"/></svg>"##,
        w - 10.0,
        y(0.0),
        y(0.0)
    );
    s
}

fn format_axis(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The pain trend: before, after and next-day lines over sessions, 0..10, with the 3/10 line.
fn pain_chart(points: &[PainPoint]) -> String {
    let (w, h, left, bottom, top) = (1000.0_f64, 220.0_f64, 40.0_f64, 34.0_f64, 12.0_f64);
    let plot_h = h - bottom - top;
    let y = |v: f64| top + plot_h * (1.0 - v / 10.0);
    let n = points.len().max(1);
    let x =
        |i: usize| if n == 1 { (left + w) / 2.0 } else { left + 20.0 + (w - left - 50.0) * i as f64 / (n - 1) as f64 };
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="Pain trend"><title>Pain trend (0 to 10)</title>"#
    );
    for v in [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] {
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#e1e6eb"/><text x="{}" y="{:.1}" text-anchor="end">{v:.0}</text>"##,
            w - 10.0,
            y(v),
            y(v),
            left - 6.0,
            y(v) + 4.0
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#b00020" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" text-anchor="end" style="fill:#b00020">3/10: mild ache limit</text>"##,
        w - 10.0,
        y(3.0),
        y(3.0),
        w - 12.0,
        y(3.0) - 4.0
    );
    type Series = (&'static str, &'static str, fn(&PainPoint) -> Option<u8>);
    let series: [Series; 3] = [
        ("before", "#2f6fb3", |p| p.before),
        ("after", "#d98200", |p| p.after),
        ("next day", "#7b3fa0", |p| p.next_day),
    ];
    for (k, (name, color, get)) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> =
            points.iter().enumerate().filter_map(|(i, p)| get(p).map(|v| (x(i), y(f64::from(v))))).collect();
        if pts.len() > 1 {
            let d: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            let _ =
                write!(s, r#"<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{}"/>"#, d.join(" "));
        }
        for (a, b) in &pts {
            let _ = write!(s, r#"<circle cx="{a:.1}" cy="{b:.1}" r="4.5" fill="{color}"/>"#);
        }
        let lx = left + 10.0 + 110.0 * k as f64;
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{color}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            h - 14.0,
            lx + 16.0,
            h - 3.0,
            esc(name)
        );
    }
    for (i, p) in points.iter().enumerate() {
        if n <= 12 || i % n.div_ceil(12) == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                h - bottom + 14.0,
                esc(&format!("#{}", p.session_id))
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The report as one self-contained HTML page.
#[must_use]
pub fn to_html(r: &Report) -> String {
    let mut h = String::new();
    let s = &r.session;
    let title = format!("formcheck session #{} — {}", s.id, format_time(s.started_at));
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>{}</title><style>{CSS}</style></head><body><main>
<h1>{}</h1>"#,
        esc(&title),
        esc(&title)
    );
    let source = match (&s.source_kind, &s.clip_path) {
        (_, Some(p)) => format!("recorded clip {p}"),
        (k, None) => format!("{k:?}").to_lowercase(),
    };
    let duration =
        s.ended_at.map_or_else(|| "not ended".to_string(), |e| format!("{} min", (e - s.started_at).max(0) / 60));
    let _ = write!(
        h,
        r#"<p class="meta">Source: {} · duration {} · report made {}</p>"#,
        esc(&source),
        esc(&duration),
        esc(&format_time(r.generated_at))
    );
    if let Some(n) = &r.pacing.urgent_notice {
        let _ = write!(h, r#"<p class="urgent">{}</p>"#, esc(n));
    }
    // Tiles.
    let total_reps: u32 = r.exercises.iter().map(|e| e.reps_done).sum();
    let clean: u32 = r.exercises.iter().map(|e| e.clean_reps).sum();
    let hold_s: f64 = r.exercises.iter().map(|e| e.hold_seconds).fold(0.0, |a, b| a + b);
    let worst_after = r.pain.iter().filter(|p| p.kind == PainKind::After).map(|p| p.score).max();
    let _ = write!(
        h,
        r#"<section class="tiles"><div class="tile">Reps<b id="rep-count">{total_reps}</b></div><div class="tile">Clean reps<b>{clean}</b></div><div class="tile">Hold time in form<b>{hold_s:.0} s</b></div><div class="tile">Pain after (worst)<b>{}</b></div></section>"#,
        esc(&worst_after.map_or("–".into(), |p| format!("{p}/10")))
    );
    // Dose.
    h.push_str("<h2>Dose: completed vs prescribed</h2><section>");
    if let Some(p) = &r.prescription {
        if let Some(t) = &p.title {
            let _ = write!(h, "<p><b>{}</b></p>", esc(t));
        }
        if !p.notes.is_empty() {
            let _ = write!(h, r#"<p class="notes">{}</p>"#, esc(&p.notes));
        }
    } else {
        h.push_str("<p>No prescription was recorded with this session.</p>");
    }
    h.push_str("<table><thead><tr><th>Exercise</th><th>Prescribed</th><th>Sets done</th><th>Reps done / prescribed</th><th>Clean</th><th>With faults</th><th>Holds done / prescribed</th><th>Hold time in form</th></tr></thead><tbody>");
    for e in &r.exercises {
        let plan =
            r.prescription.as_ref().and_then(|p| p.plan_for(e.exercise)).map_or("–".to_string(), |p| p.dose_text());
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{} / {}</td><td class="n">{} / {}</td><td class="n clean">{}</td><td class="n fault">{}</td><td class="n">{} / {}</td><td class="n">{}</td></tr>"#,
            esc(e.exercise.label()),
            esc(&plan),
            e.sets_done,
            opt(e.sets_prescribed),
            e.reps_done,
            opt(e.reps_prescribed),
            e.clean_reps,
            e.faulty_reps,
            e.holds_done,
            opt(e.holds_prescribed),
            esc(&if e.holds_done == 0 && e.holds_prescribed.is_none() {
                "–".to_string()
            } else {
                format!(
                    "{:.1} s{}",
                    e.hold_seconds,
                    e.hold_target_s.map_or(String::new(), |t| format!(
                        " ({} of {} on the {t:.0} s target)",
                        e.holds_on_target, e.holds_done
                    ))
                )
            })
        );
    }
    h.push_str("</tbody></table></section>");
    // Hinge per rep.
    let hinge: Vec<&RepRow> = r.reps.iter().filter(|x| x.exercise == Exercise::Hinge).collect();
    if !hinge.is_empty() {
        h.push_str("<h2>Hip hinge, rep by rep</h2><section>");
        let class = |x: &RepRow| {
            if x.clean {
                "clean"
            } else if x.faults.iter().any(|f| f.severity() == Severity::Major) {
                "major"
            } else {
                "fault"
            }
        };
        let label = |x: &RepRow| format!("S{} R{}", x.set, x.index);
        let _ = write!(h, r#"<p class="dowel">{}</p>"#, esc(&dowel_text(&hinge)));
        let depth: Vec<(String, Option<f64>, &str)> =
            hinge.iter().map(|x| (label(x), x.peak_trunk_deg.map(f64::from), class(x))).collect();
        h.push_str("<p>Trunk depth per rep (peak lean from vertical, degrees). Green: clean; orange: minor fault; red: major fault.</p>");
        h.push_str(&bar_chart("Peak trunk angle per rep (deg)", &depth, "deg", None));
        if hinge.iter().any(|x| x.max_thoracic_gap.is_some()) {
            let gaps: Vec<(String, Option<f64>, &str)> = hinge
                .iter()
                .map(|x| {
                    let c =
                        if x.max_thoracic_gap.is_some_and(|g| g > r.thoracic_gap_limit) { "major" } else { "clean" };
                    (label(x), x.max_thoracic_gap.map(f64::from), c)
                })
                .collect();
            h.push_str("<p>Largest gap between the upper back and the dowel line per rep (torso lengths; – where the back contour was not judged).</p>");
            h.push_str(&bar_chart(
                "Largest thoracic gap per rep (torso lengths)",
                &gaps,
                "torso lengths",
                Some((f64::from(r.thoracic_gap_limit), &format!("contact limit {:.2}", r.thoracic_gap_limit))),
            ));
        } else {
            let proxy: Vec<(String, Option<f64>, &str)> =
                hinge.iter().map(|x| (label(x), x.thoracic_proxy.map(f64::from), "info")).collect();
            h.push_str("<p>The back contour (mask or dowel) did not judge the dowel contacts on this recording, so no thoracic gap was measured. Shown instead, for information only: the keypoint proxy per rep (shoulder's offset from the ear-hip line, torso lengths), which the form engine did not use to call faults here.</p>");
            h.push_str(&bar_chart(
                "Thoracic keypoint proxy per rep (torso lengths)",
                &proxy,
                "torso lengths",
                Some((f64::from(r.thoracic_proxy_limit), &format!("proxy limit {:.2}", r.thoracic_proxy_limit))),
            ));
        }
        h.push_str("<table><thead><tr><th>Set</th><th>Rep</th><th>Time (s)</th><th>Peak trunk (deg)</th><th>Deepest hip (deg)</th><th>Lowering (s)</th><th>Rising (s)</th><th>Largest thoracic gap</th><th>Gap at (s)</th><th>Head contact</th><th>Spine judged by</th><th>Real dowel</th><th>Thoracic proxy</th><th>Head angle (deg)</th><th>Faults</th></tr></thead><tbody>");
        for x in &hinge {
            let _ = write!(
                h,
                r#"<tr><td class="n">{}</td><td class="n">{}</td><td class="n">{:.1}–{:.1}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="{}">{}</td></tr>"#,
                x.set,
                x.index,
                x.start_s,
                x.end_s,
                f0(x.peak_trunk_deg),
                f0(x.peak_hip_deg),
                f1(x.lowering_s),
                f1(x.rising_s),
                match (&x.max_thoracic_gap, &x.mask_refused) {
                    (None, Some(why)) => format!("– (mask: {})", esc(why)),
                    _ => f2(x.max_thoracic_gap),
                },
                f1(x.worst_gap_s),
                yes_no(x.head_contact),
                esc(&x.spine_method.clone().unwrap_or_default().replace('_', " ")),
                match x.real_dowel {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "–",
                },
                f2(x.thoracic_proxy),
                f0(x.worst_head_deg),
                class(x),
                esc(&faults_text(&x.faults))
            );
        }
        h.push_str("</tbody></table></section>");
    }
    let other: Vec<&RepRow> = r.reps.iter().filter(|x| x.exercise != Exercise::Hinge).collect();
    if !other.is_empty() {
        h.push_str("<h2>Other reps</h2><section><table><thead><tr><th>Exercise</th><th>Set</th><th>Rep</th><th>Side</th><th>Time (s)</th><th>Faults</th></tr></thead><tbody>");
        for x in other {
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td><td class="n">{:.1}–{:.1}</td><td class="{}">{}</td></tr>"#,
                esc(x.exercise.label()),
                x.set,
                x.index,
                esc(x.side.as_deref().unwrap_or("–")),
                x.start_s,
                x.end_s,
                if x.clean { "clean" } else { "fault" },
                esc(&faults_text(&x.faults))
            );
        }
        h.push_str("</tbody></table></section>");
    }
    if !r.holds.is_empty() {
        h.push_str("<h2>Side plank holds</h2><section>");
        let bars: Vec<(String, Option<f64>, &str)> = r
            .holds
            .iter()
            .map(|x| {
                let c = if x.target_s.is_none_or(|t| x.seconds_in_form >= t - 0.05) { "clean" } else { "fault" };
                (format!("S{} H{} {}", x.set, x.index, x.side.as_deref().unwrap_or("")), Some(x.seconds_in_form), c)
            })
            .collect();
        let target = r.holds.iter().find_map(|x| x.target_s);
        h.push_str(&bar_chart("Seconds in form per hold", &bars, "s", target.map(|t| (t, "target"))));
        h.push_str("<table><thead><tr><th>Set</th><th>Hold</th><th>Side down</th><th>Variant</th><th>Time (s)</th><th>Seconds in form</th><th>Target</th><th>Faults</th></tr></thead><tbody>");
        for x in &r.holds {
            let _ = write!(
                h,
                r#"<tr><td class="n">{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td class="n">{:.1}–{:.1}</td><td class="n">{:.1}</td><td class="n">{}</td><td>{}</td></tr>"#,
                x.set,
                x.index,
                esc(x.side.as_deref().unwrap_or("–")),
                esc(&x.variant),
                x.start_s,
                x.end_s,
                x.seconds_in_form,
                f1(x.target_s),
                esc(&faults_text(&x.faults))
            );
        }
        h.push_str("</tbody></table></section>");
    }
    // Key frame.
    h.push_str("<h2>Key frame</h2><section>");
    if let Some(k) = &r.key_frame {
        let _ = write!(
            h,
            r#"<figure class="keyframe"><img src="data:image/jpeg;base64,{}" alt="{}"/><figcaption>{}</figcaption></figure>"#,
            crate::store::base64(&k.jpeg),
            esc(&format!("Key frame of rep {} at {:.1} s", k.rep_index, k.t_s)),
            esc(&k.caption)
        );
    } else {
        h.push_str("<p>No key frame stored (key frames are kept only when you allow them).</p>");
    }
    h.push_str("</section>");
    // Faults.
    h.push_str("<h2>Faults by frequency</h2><section>");
    if r.faults.is_empty() {
        h.push_str("<p>No fault seen.</p>");
    } else {
        h.push_str("<table><thead><tr><th>Fault</th><th>Exercise</th><th>Severity</th><th>Count</th><th>Cue</th><th>Examples (set, rep, time)</th></tr></thead><tbody>");
        for f in &r.faults {
            let ex: Vec<String> = f
                .examples
                .iter()
                .take(5)
                .map(|e| {
                    format!(
                        "set {} {} {} at {:.1} s{}",
                        e.set,
                        e.kind,
                        e.index,
                        e.t_s,
                        e.duration_s.map_or(String::new(), |d| format!(" ({d:.1} s)"))
                    )
                })
                .collect();
            let more = f.examples.len().saturating_sub(5);
            let _ = write!(
                h,
                r#"<tr><td class="{}">{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td>{}</td><td>{}{}</td></tr>"#,
                if f.severity == Severity::Major { "major" } else { "fault" },
                esc(f.fault.id()),
                esc(f.exercise.label()),
                if f.severity == Severity::Major { "major" } else { "minor" },
                f.count,
                esc(&f.cue),
                esc(&ex.join("; ")),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
    // Pain.
    h.push_str("<h2>Pain</h2><section>");
    if r.pain.is_empty() {
        h.push_str("<p>No pain rating was recorded for this session.</p>");
    } else {
        h.push_str("<table><thead><tr><th>When</th><th>Pain (0-10)</th><th>Recorded</th><th>Red flags</th></tr></thead><tbody>");
        for p in &r.pain {
            let when = match (p.kind, p.set_id) {
                (PainKind::Before, _) => "before the session".to_string(),
                (PainKind::After, Some(set)) => r.sets.iter().find(|s| s.0 == set).map_or_else(
                    || "after a set".to_string(),
                    |(_, n, e)| format!("after set {n} ({})", e.label().to_lowercase()),
                ),
                (PainKind::After, None) => "after the session".to_string(),
                (PainKind::NextDay, _) => "next day".to_string(),
            };
            let flags: Vec<&str> = p.red_flags.iter().map(|f| f.label()).collect();
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td>{}</td><td class="{}">{}</td></tr>"#,
                esc(&when),
                p.score,
                esc(&format_time(p.recorded_at)),
                if flags.is_empty() { "" } else { "major" },
                esc(&if flags.is_empty() { "none".to_string() } else { flags.join(", ") })
            );
        }
        h.push_str("</tbody></table>");
    }
    if r.pain_trend.iter().any(|p| p.before.or(p.after).or(p.next_day).is_some()) {
        let _ = write!(h, "<p>Pain across the last {} session(s):</p>", r.pain_trend.len());
        h.push_str(&pain_chart(&r.pain_trend));
    }
    h.push_str("</section>");
    // Pacing.
    let decision = format!("{:?}", r.pacing.decision).to_lowercase();
    let _ = write!(h, r#"<h2>Pacing suggestion</h2><section class="pacing {}">"#, esc(&decision));
    let _ = write!(h, "<p><b>{}</b>: {}</p>", esc(&decision), esc(&r.pacing.reason));
    if !r.pacing.changes.is_empty() {
        h.push_str("<ul>");
        for c in &r.pacing.changes {
            let _ = write!(h, "<li>{}: {}</li>", esc(c.exercise.label()), esc(&c.text));
        }
        h.push_str("</ul><p>Applied only when the patient or therapist confirms it.</p>");
    }
    h.push_str("</section>");
    let _ = writeln!(
        h,
        "<footer>Made by formcheck {} on this computer; nothing was uploaded. formcheck coaches form and does not diagnose.</footer></main></body></html>",
        esc(env!("CARGO_PKG_VERSION"))
    );
    h
}

/// Whether a real dowel was used, over the hinge reps: "A real dowel was detected on N of M reps"
/// or "No real dowel was detected: ...".
#[must_use]
pub fn dowel_text(hinge: &[&RepRow]) -> String {
    let m = hinge.len();
    let n = hinge.iter().filter(|x| x.real_dowel == Some(true)).count();
    if n == 0 {
        "No real dowel was detected: the dowel contacts were judged on the virtual dowel fitted to the back contour, or by keypoints.".to_string()
    } else {
        format!(
            "A real dowel was detected on {n} of {m} rep{} (the dowel contacts of those reps were judged on it; the others on the virtual dowel fitted to the back contour, or by keypoints).",
            if m == 1 { "" } else { "s" }
        )
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 22] = [
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
];

/// The report as CSV: one row per dose line (`record=dose`), rep, hold, fault occurrence and pain
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
        row(BTreeMap::from([
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
        ]));
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
    out
}

/// The report as pretty JSON.
///
/// # Panics
/// Never: every field serialises.
#[must_use]
pub fn to_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises")
}
