//! The report as one self-contained HTML page, laid out with `maud`: every piece of text is
//! escaped by the template, so what a therapist or a patient typed is shown as text.

use base64::Engine as _;
use maud::{DOCTYPE, Escaper, Markup, PreEscaped, Render, html};

use super::svg::{Bar, bar_chart, pain_chart};
use super::{RepRow, Report, dowel_text};
use crate::form::{Exercise, FaultId, Severity};
use crate::session::pacing::PainKind;
use crate::session::store::format_time;

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
.telehealth{background:#eef6ff;border-left:6px solid #2f6fb3;padding:6px 10px;margin:0 0 6px}
svg text{font-family:system-ui,sans-serif;font-size:12px;fill:#334}
footer{color:#6b7785;font-size:12px;margin:24px 0}
";

/// An element without content written as `<tag a="v"/>`, so the page stays well-formed XML (maud
/// writes HTML's void elements as `<meta>`); maud's escaper escapes the attribute values.
struct Empty<'a>(&'static str, &'a [(&'static str, &'a str)]);

impl Render for Empty<'_> {
    fn render_to(&self, w: &mut String) {
        use std::fmt::Write as _;
        w.push('<');
        w.push_str(self.0);
        for (name, value) in self.1 {
            w.push(' ');
            w.push_str(name);
            w.push_str("=\"");
            let _ = Escaper::new(w).write_str(value);
            w.push('"');
        }
        w.push_str("/>");
    }
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

/// A time span of the media, "12.3–15.0".
fn span(start: f64, end: f64) -> String {
    format!("{start:.1}–{end:.1}")
}

/// The report as one self-contained HTML page.
#[must_use]
pub fn to_html(r: &Report) -> String {
    let s = &r.session;
    let title = format!("formcheck session #{} — {}", s.id, format_time(s.started_at));
    let source = match (&s.source_kind, &s.clip_path, &s.capture) {
        (_, Some(p), _) => format!("recorded clip {p}"),
        (_, None, Some(c)) => format!("video call, {c}"),
        (k, None, None) => format!("{k:?}").to_lowercase(),
    };
    let duration = s.ended_at.map_or_else(
        || "incomplete: interrupted before it ended".to_string(),
        |e| format!("{} min", (e - s.started_at).max(0) / 60),
    );
    let total_reps: u32 = r.exercises.iter().map(|e| e.reps_done).sum();
    let clean: u32 = r.exercises.iter().map(|e| e.clean_reps).sum();
    let hold_s: f64 = r.exercises.iter().map(|e| e.hold_seconds).fold(0.0, |a, b| a + b);
    let worst_after = r.pain.iter().filter(|p| p.kind == PainKind::After).map(|p| p.score).max();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (Empty("meta", &[("charset", "utf-8")]))
                (Empty("meta", &[("name", "viewport"), ("content", "width=device-width, initial-scale=1")]))
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    h1 { (title) }
                    p class="meta" { "Source: " (source) " · duration " (duration) " · report made " (format_time(r.generated_at)) }
                    (about(r))
                    @if let Some(n) = &r.pacing.urgent_notice {
                        p class="urgent" { (n) }
                    }
                    section class="tiles" {
                        div class="tile" { "Reps" b id="rep-count" { (total_reps) } }
                        div class="tile" { "Clean reps" b { (clean) } }
                        div class="tile" { "Hold time in form" b { (format!("{hold_s:.0} s")) } }
                        div class="tile" { "Pain after (worst)" b { (worst_after.map_or("–".into(), |p| format!("{p}/10"))) } }
                    }
                    (dose(r))
                    (hinge_reps(r))
                    (other_reps(r))
                    (range_of_motion(r))
                    (attempts(r))
                    (holds(r))
                    (key_frame(r))
                    (faults(r))
                    (pain(r))
                    (pacing(r))
                    footer {
                        "Made by formcheck " (env!("CARGO_PKG_VERSION"))
                        " on this computer; nothing was uploaded. formcheck coaches form and does not diagnose."
                    }
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// Dose: completed vs prescribed, with the plan's title and the therapist's notes.
fn dose(r: &Report) -> Markup {
    html! {
        h2 { "Dose: completed vs prescribed" }
        section {
            @if let Some(p) = &r.prescription {
                @if let Some(t) = &p.title {
                    p { b { (t) } }
                }
                @if !p.notes.is_empty() {
                    p class="notes" { (p.notes) }
                }
            } @else {
                p { "No prescription was recorded with this session." }
            }
            table {
                thead { tr {
                    th { "Exercise" } th { "Prescribed" } th { "Sets done" } th { "Reps done / prescribed" }
                    th { "Clean" } th { "With faults" } th { "Holds done / prescribed" } th { "Hold time in form" }
                } }
                tbody {
                    @for e in &r.exercises {
                        @let plan = r.prescription.as_ref().and_then(|p| p.plan_for(e.exercise)).map_or("–".to_string(), |p| p.dose_text());
                        @let held = if e.holds_done == 0 && e.holds_prescribed.is_none() {
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
                        };
                        tr {
                            td { (e.exercise.label()) }
                            td { (plan) }
                            td class="n" { (e.sets_done) " / " (opt(e.sets_prescribed)) }
                            td class="n" { (e.reps_done) " / " (opt(e.reps_prescribed)) }
                            td class="n clean" { (e.clean_reps) }
                            td class="n fault" { (e.faulty_reps) }
                            td class="n" { (e.holds_done) " / " (opt(e.holds_prescribed)) }
                            td class="n" { (held) }
                        }
                    }
                }
            }
        }
    }
}

/// The class of a rep: clean, with a major fault, or with minor faults.
fn rep_class(x: &RepRow) -> &'static str {
    if x.clean {
        "clean"
    } else if x.faults.iter().any(|f| f.severity() == Severity::Major) {
        "major"
    } else {
        "fault"
    }
}

/// Hip hinge, rep by rep: whether a real dowel was used, the depth and thoracic-gap charts, the
/// table of measurements.
fn hinge_reps(r: &Report) -> Markup {
    let hinge: Vec<&RepRow> = r.reps.iter().filter(|x| x.exercise == Exercise::Hinge).collect();
    if hinge.is_empty() {
        return html! {};
    }
    let label = |x: &RepRow| format!("S{} R{}", x.set, x.index);
    let depth: Vec<Bar> = hinge.iter().map(|x| (label(x), x.peak_trunk_deg.map(f64::from), rep_class(x))).collect();
    let gap_chart = if hinge.iter().any(|x| x.max_thoracic_gap.is_some()) {
        let gaps: Vec<Bar> = hinge
            .iter()
            .map(|x| {
                let c = if x.max_thoracic_gap.is_some_and(|g| g > r.thoracic_gap_limit) { "major" } else { "clean" };
                (label(x), x.max_thoracic_gap.map(f64::from), c)
            })
            .collect();
        html! {
            p { "Largest gap between the upper back and the dowel line per rep (torso lengths; – where the back contour was not judged)." }
            (bar_chart(
                "Largest thoracic gap per rep (torso lengths)",
                &gaps,
                "torso lengths",
                Some((f64::from(r.thoracic_gap_limit), &format!("contact limit {:.2}", r.thoracic_gap_limit))),
            ))
        }
    } else {
        let proxy: Vec<Bar> = hinge.iter().map(|x| (label(x), x.thoracic_proxy.map(f64::from), "info")).collect();
        html! {
            p { "The back contour (mask or dowel) did not judge the dowel contacts on this recording, so no thoracic gap was measured. Shown instead, for information only: the keypoint proxy per rep (shoulder's offset from the ear-hip line, torso lengths), which the form engine did not use to call faults here." }
            (bar_chart(
                "Thoracic keypoint proxy per rep (torso lengths)",
                &proxy,
                "torso lengths",
                Some((f64::from(r.thoracic_proxy_limit), &format!("proxy limit {:.2}", r.thoracic_proxy_limit))),
            ))
        }
    };
    html! {
        h2 { "Hip hinge, rep by rep" }
        section {
            p class="dowel" { (dowel_text(&hinge)) }
            p { "Trunk depth per rep (peak lean from vertical, degrees). Green: clean; orange: minor fault; red: major fault." }
            (bar_chart("Peak trunk angle per rep (deg)", &depth, "deg", None))
            (gap_chart)
            table {
                thead { tr {
                    th { "Set" } th { "Rep" } th { "Time (s)" } th { "Peak trunk (deg)" } th { "Deepest hip (deg)" }
                    th { "Lowering (s)" } th { "Rising (s)" } th { "Largest thoracic gap" } th { "Gap at (s)" }
                    th { "Head contact" } th { "Spine judged by" } th { "Real dowel" } th { "Thoracic proxy" }
                    th { "Head angle (deg)" } th { "Faults" }
                } }
                tbody {
                    @for x in &hinge {
                        tr {
                            td class="n" { (x.set) }
                            td class="n" { (x.index) }
                            td class="n" { (span(x.start_s, x.end_s)) }
                            td class="n" { (f0(x.peak_trunk_deg)) }
                            td class="n" { (f0(x.peak_hip_deg)) }
                            td class="n" { (f1(x.lowering_s)) }
                            td class="n" { (f1(x.rising_s)) }
                            td class="n" {
                                @match (&x.max_thoracic_gap, &x.mask_refused) {
                                    (None, Some(why)) => { "– (mask: " (why) ")" }
                                    _ => { (f2(x.max_thoracic_gap)) }
                                }
                            }
                            td class="n" { (f1(x.worst_gap_s)) }
                            td { (yes_no(x.head_contact)) }
                            td { (x.spine_method.clone().unwrap_or_default().replace('_', " ")) }
                            td {
                                (match x.real_dowel {
                                    Some(true) => "yes",
                                    Some(false) => "no",
                                    None => "–",
                                })
                            }
                            td class="n" { (f2(x.thoracic_proxy)) }
                            td class="n" { (f0(x.worst_head_deg)) }
                            td class=(rep_class(x)) { (faults_text(&x.faults)) }
                        }
                    }
                }
            }
        }
    }
}

/// The reps of the other exercises (bird dog).
fn other_reps(r: &Report) -> Markup {
    let other: Vec<&RepRow> = r.reps.iter().filter(|x| x.exercise != Exercise::Hinge).collect();
    if other.is_empty() {
        return html! {};
    }
    html! {
        h2 { "Other reps" }
        section {
            table {
                thead { tr {
                    th { "Exercise" } th { "Set" } th { "Rep" } th { "Side" } th { "Time (s)" } th { "Faults" }
                } }
                tbody {
                    @for x in other {
                        tr {
                            td { (x.exercise.label()) }
                            td class="n" { (x.set) }
                            td class="n" { (x.index) }
                            td { (x.side.as_deref().unwrap_or("–")) }
                            td class="n" { (span(x.start_s, x.end_s)) }
                            td class=(if x.clean { "clean" } else { "fault" }) { (faults_text(&x.faults)) }
                        }
                    }
                }
            }
        }
    }
}

/// Range of motion, rep by rep: each measure's peak against the prescription's target.
fn range_of_motion(r: &Report) -> Markup {
    let reps: Vec<&RepRow> = r.reps.iter().filter(|x| !x.rom.is_empty()).collect();
    if reps.is_empty() {
        return html! {};
    }
    html! {
        h2 { "Range of motion" }
        section {
            p { "Each rep's peak: trunk lean from vertical and hip flexion (hip hinge); arm and leg elevation against the trunk line, 0 = in line, negative = below it (bird dog). Against the target the prescription set, when it set one." }
            table class="rom" {
                thead { tr {
                    th { "Exercise" } th { "Set" } th { "Rep" } th { "Side" } th { "Measure" } th { "Peak (deg)" }
                    th { "Target (deg)" } th { "Result" }
                } }
                tbody {
                    @for x in &reps {
                        @for m in &x.rom {
                            tr {
                                td { (x.exercise.label()) }
                                td class="n" { (x.set) }
                                td class="n" { (x.index) }
                                td { (x.side.as_deref().unwrap_or("–")) }
                                td { (m.measure.label()) }
                                td class="n" { (format!("{:.0}", m.peak_deg)) }
                                td class="n" { (f0(m.target_deg)) }
                                @match (m.reached, m.short_by_deg) {
                                    (Some(true), _) => { td class="clean" { "reached" } }
                                    (Some(false), Some(s)) => { td class="fault" { (format!("short by {s:.0}°")) } }
                                    _ => { td { "no target" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Movements that started and were not reps: not counted, shown so none is silently dropped.
fn attempts(r: &Report) -> Markup {
    if r.attempts.is_empty() {
        return html! {};
    }
    html! {
        h2 { "Attempts (not counted)" }
        section id="attempts" {
            p { "Movements that started but were not counted as reps: they stayed short of a rep's range, or were not finished before the person left the picture or the recording ended." }
            table {
                thead { tr {
                    th { "Exercise" } th { "Set" } th { "Attempt" } th { "Side" } th { "Time (s)" } th { "Why" } th { "Reached (deg)" } th { "A rep needs (deg)" }
                } }
                tbody {
                    @for x in &r.attempts {
                        tr {
                            td { (x.exercise.label()) }
                            td class="n" { (x.set) }
                            td class="n" { (x.index) }
                            td { (x.side.as_deref().unwrap_or("–")) }
                            td class="n" { (span(x.start_s, x.end_s)) }
                            td { (x.reason_text) }
                            td class="n" { (x.measure.replace('_', " ")) " " (f0(x.reached_deg)) }
                            td class="n" { (f0(Some(x.needed_deg))) }
                        }
                    }
                }
            }
        }
    }
}

/// Side plank holds: seconds in form per hold against the target, and the table.
fn holds(r: &Report) -> Markup {
    if r.holds.is_empty() {
        return html! {};
    }
    let bars: Vec<Bar> = r
        .holds
        .iter()
        .map(|x| {
            let c = if x.target_s.is_none_or(|t| x.seconds_in_form >= t - 0.05) { "clean" } else { "fault" };
            (format!("S{} H{} {}", x.set, x.index, x.side.as_deref().unwrap_or("")), Some(x.seconds_in_form), c)
        })
        .collect();
    let target = r.holds.iter().find_map(|x| x.target_s);
    html! {
        h2 { "Side plank holds" }
        section {
            (bar_chart("Seconds in form per hold", &bars, "s", target.map(|t| (t, "target"))))
            table {
                thead { tr {
                    th { "Set" } th { "Hold" } th { "Side down" } th { "Variant" } th { "Time (s)" }
                    th { "Seconds in form" } th { "Target" } th { "Faults" }
                } }
                tbody {
                    @for x in &r.holds {
                        tr {
                            td class="n" { (x.set) }
                            td class="n" { (x.index) }
                            td { (x.side.as_deref().unwrap_or("–")) }
                            td { (x.variant) }
                            td class="n" { (span(x.start_s, x.end_s)) }
                            td class="n" { (format!("{:.1}", x.seconds_in_form)) }
                            td class="n" { (f1(x.target_s)) }
                            td { (faults_text(&x.faults)) }
                        }
                    }
                }
            }
        }
    }
}

/// Who, how, and what was kept: the patient, the telehealth marker and the consent, the pictures
/// statement, the mirrored picture, the therapist's notes.
fn about(r: &Report) -> Markup {
    let a = &r.about;
    html! {
        section class="about" id="about" {
            @if let Some(m) = a.telehealth {
                p class="telehealth" id="telehealth" { b { (m) } }
            }
            @if let Some(p) = &a.patient {
                p id="patient" { "Patient: " b { (p) } }
            }
            @if let Some(c) = &a.consent_line {
                p id="consent" { (c) }
            }
            p id="pictures" { (a.pictures) }
            p id="mirrored" { (a.mirrored) }
            @if let Some(n) = &a.notes {
                h2 { "Therapist's notes" }
                p class="notes" id="therapist-notes" { (n) }
            }
        }
    }
}

/// The key frame, an inline JPEG, when one was stored.
fn key_frame(r: &Report) -> Markup {
    html! {
        h2 { "Key frame" }
        section {
            @if let Some(k) = &r.key_frame {
                @let src = format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(&k.jpeg));
                @let alt = format!("Key frame of rep {} at {:.1} s", k.rep_index, k.t_s);
                figure class="keyframe" {
                    (Empty("img", &[("src", src.as_str()), ("alt", alt.as_str())]))
                    figcaption { (k.caption) }
                }
            } @else {
                p { "No key frame stored (key frames are kept only when you allow them). " (r.about.pictures) }
            }
        }
    }
}

/// Faults by frequency, with up to five examples each.
fn faults(r: &Report) -> Markup {
    html! {
        h2 { "Faults by frequency" }
        section {
            @if r.faults.is_empty() {
                p { "No fault seen." }
            } @else {
                table {
                    thead { tr {
                        th { "Fault" } th { "Exercise" } th { "Severity" } th { "Count" } th { "Cue" }
                        th { "Examples (set, rep, time)" }
                    } }
                    tbody {
                        @for f in &r.faults {
                            @let ex: Vec<String> = f
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
                            @let more = f.examples.len().saturating_sub(5);
                            @let major = f.severity == Severity::Major;
                            tr {
                                td class=(if major { "major" } else { "fault" }) { (f.fault.id()) }
                                td { (f.exercise.label()) }
                                td { (if major { "major" } else { "minor" }) }
                                td class="n" { (f.count) }
                                td { (f.cue) }
                                td {
                                    (ex.join("; "))
                                    @if more > 0 { " and " (more) " more" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Pain: this session's ratings and the trend across sessions.
fn pain(r: &Report) -> Markup {
    let when = |kind: PainKind, set_id: Option<i64>| match (kind, set_id) {
        (PainKind::Before, _) => "before the session".to_string(),
        (PainKind::After, Some(set)) => r.sets.iter().find(|s| s.0 == set).map_or_else(
            || "after a set".to_string(),
            |(_, n, e)| format!("after set {n} ({})", e.label().to_lowercase()),
        ),
        (PainKind::After, None) => "after the session".to_string(),
        (PainKind::NextDay, _) => "next day".to_string(),
    };
    html! {
        h2 { "Pain" }
        section {
            @if r.pain.is_empty() {
                p { "No pain rating was recorded for this session." }
            } @else {
                table {
                    thead { tr { th { "When" } th { "Pain (0-10)" } th { "Recorded" } th { "Red flags" } } }
                    tbody {
                        @for p in &r.pain {
                            @let flags: Vec<&str> = p.red_flags.iter().map(|f| f.label()).collect();
                            tr {
                                td { (when(p.kind, p.set_id)) }
                                td class="n" { (p.score) }
                                td { (format_time(p.recorded_at)) }
                                td class=(if flags.is_empty() { "" } else { "major" }) {
                                    (if flags.is_empty() { "none".to_string() } else { flags.join(", ") })
                                }
                            }
                        }
                    }
                }
            }
            @if r.pain_trend.iter().any(|p| p.before.or(p.after).or(p.next_day).is_some()) {
                p { "Pain across the last " (r.pain_trend.len()) " session(s):" }
                (pain_chart(&r.pain_trend))
            }
        }
    }
}

/// The pacing suggestion and its plan changes.
fn pacing(r: &Report) -> Markup {
    let decision = format!("{:?}", r.pacing.decision).to_lowercase();
    html! {
        h2 { "Pacing suggestion" }
        section class={ "pacing " (decision) } {
            p { b { (decision) } ": " (r.pacing.reason) }
            @if !r.pacing.changes.is_empty() {
                ul {
                    @for c in &r.pacing.changes {
                        li { (c.exercise.label()) ": " (c.text) }
                    }
                }
                p { "Applied only when the patient or therapist confirms it." }
            }
        }
    }
}
