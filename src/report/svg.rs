//! The report's charts, as inline SVG (no script, no external resource).

use maud::{Markup, html};

use super::PainPoint;
use crate::session::pacing::MILD_PAIN;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// One bar: its label, its value (None = not measured, drawn as a dash), its class ("clean",
/// "major", "info", else a minor fault).
pub(super) type Bar = (String, Option<f64>, &'static str);

/// `v` with one decimal.
fn d1(v: f64) -> String {
    format!("{v:.1}")
}

/// `v` as Rust prints it ("1000", "44").
fn num(v: f64) -> String {
    v.to_string()
}

/// A bar chart: one bar per value (None = not measured, drawn as a dash), an optional dashed
/// reference line, labels under the bars.
pub(super) fn bar_chart(title: &str, bars: &[Bar], unit: &str, reference: Option<(f64, &str)>) -> Markup {
    let (w, h, left, bottom, top) = (1000.0_f64, 240.0_f64, 50.0_f64, 30.0_f64, 14.0_f64);
    let max =
        bars.iter().filter_map(|b| b.1).chain(reference.map(|r| r.0)).fold(0.0_f64, f64::max).max(f64::EPSILON) * 1.15;
    let plot_h = h - bottom - top;
    let y = |v: f64| top + plot_h * (1.0 - v / max);
    let n = bars.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bw = (slot * 0.7).min(60.0);
    html! {
        svg xmlns=(SVG_NS) viewBox={ "0 0 " (num(w)) " " (num(h)) } width="100%" role="img" aria-label=(title) {
            title { (title) }
            @for i in 0..=4 {
                @let v = max / 1.15 * f64::from(i) / 4.0;
                line x1=(num(left)) x2=(num(w - 10.0)) y1=(d1(y(v))) y2=(d1(y(v))) stroke="#e1e6eb" {}
                text x=(num(left - 6.0)) y=(d1(y(v) + 4.0)) text-anchor="end" { (format_axis(v)) }
            }
            @for (i, (label, v, class)) in bars.iter().enumerate() {
                @let x = left + slot * i as f64 + (slot - bw) / 2.0;
                @let color = match *class {
                    "clean" => "#3a9d5d",
                    "major" => "#c0392b",
                    "info" => "#7f97b2",
                    _ => "#e08a1e",
                };
                @if let Some(v) = *v {
                    rect x=(d1(x)) y=(d1(y(v))) width=(d1(bw)) height=(d1((y(0.0) - y(v)).max(0.5))) fill=(color) {
                        title { (label) ": " (format_axis(v)) " " (unit) }
                    }
                    text x=(d1(x + bw / 2.0)) y=(d1(y(v) - 3.0)) text-anchor="middle" { (format_axis(v)) }
                } @else {
                    text x=(d1(x + bw / 2.0)) y=(d1(y(0.0) - 4.0)) text-anchor="middle" { "–" }
                }
                text x=(d1(x + bw / 2.0)) y=(d1(h - 10.0)) text-anchor="middle" { (label) }
            }
            @if let Some((v, label)) = reference {
                line x1=(num(left)) x2=(num(w - 10.0)) y1=(d1(y(v))) y2=(d1(y(v))) stroke="#b00020" stroke-dasharray="6 4" {}
                text x=(num(w - 12.0)) y=(d1(y(v) - 4.0)) text-anchor="end" style="fill:#b00020" { (label) }
            }
            line x1=(num(left)) x2=(num(w - 10.0)) y1=(d1(y(0.0))) y2=(d1(y(0.0))) stroke="#556" {}
        }
    }
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

/// The pain trend: before, after and next-day lines over sessions, 0..10, with the mild-ache
/// limit ([`MILD_PAIN`]) as a dashed line.
pub(super) fn pain_chart(points: &[PainPoint]) -> Markup {
    let (w, h, left, bottom, top) = (1000.0_f64, 220.0_f64, 40.0_f64, 34.0_f64, 12.0_f64);
    let plot_h = h - bottom - top;
    let y = |v: f64| top + plot_h * (1.0 - v / 10.0);
    let n = points.len().max(1);
    let x =
        |i: usize| if n == 1 { (left + w) / 2.0 } else { left + 20.0 + (w - left - 50.0) * i as f64 / (n - 1) as f64 };
    let limit = f64::from(MILD_PAIN);
    type Series = (&'static str, &'static str, fn(&PainPoint) -> Option<u8>);
    let series: [Series; 3] = [
        ("before", "#2f6fb3", |p| p.before),
        ("after", "#d98200", |p| p.after),
        ("next day", "#7b3fa0", |p| p.next_day),
    ];
    html! {
        svg xmlns=(SVG_NS) viewBox={ "0 0 " (num(w)) " " (num(h)) } width="100%" role="img" aria-label="Pain trend" {
            title { "Pain trend (0 to 10)" }
            @for v in [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] {
                line x1=(num(left)) x2=(num(w - 10.0)) y1=(d1(y(v))) y2=(d1(y(v))) stroke="#e1e6eb" {}
                text x=(num(left - 6.0)) y=(d1(y(v) + 4.0)) text-anchor="end" { (format!("{v:.0}")) }
            }
            line x1=(num(left)) x2=(num(w - 10.0)) y1=(d1(y(limit))) y2=(d1(y(limit))) stroke="#b00020" stroke-dasharray="6 4" {}
            text x=(num(w - 12.0)) y=(d1(y(limit) - 4.0)) text-anchor="end" style="fill:#b00020" { (MILD_PAIN) "/10: mild ache limit" }
            @for (k, (name, color, get)) in series.iter().enumerate() {
                @let pts: Vec<(f64, f64)> =
                    points.iter().enumerate().filter_map(|(i, p)| get(p).map(|v| (x(i), y(f64::from(v))))).collect();
                @if pts.len() > 1 {
                    @let d: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
                    polyline fill="none" stroke=(color) stroke-width="2.5" points=(d.join(" ")) {}
                }
                @for (a, b) in &pts {
                    circle cx=(d1(*a)) cy=(d1(*b)) r="4.5" fill=(color) {}
                }
                @let lx = left + 10.0 + 110.0 * k as f64;
                rect x=(d1(lx)) y=(d1(h - 14.0)) width="12" height="12" fill=(color) {}
                text x=(d1(lx + 16.0)) y=(d1(h - 3.0)) { (name) }
            }
            @for (i, p) in points.iter().enumerate() {
                @if n <= 12 || i % n.div_ceil(12) == 0 {
                    text x=(d1(x(i))) y=(d1(h - bottom + 14.0)) text-anchor="middle" { "#" (p.session_id) }
                }
            }
        }
    }
}
