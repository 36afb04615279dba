//! The analysis's overlay painted on an RGB picture (key frames): the back contour, the dowel line
//! and its contacts, the skeleton coloured by confidence.

use image::{Rgb, RgbImage};

use super::analyze::FrameOut;
use crate::pose::skeleton::{BONES, Joint};

const GREEN: Rgb<u8> = Rgb([40, 200, 90]);
const AMBER: Rgb<u8> = Rgb([240, 170, 30]);
const RED: Rgb<u8> = Rgb([230, 40, 40]);
const GREY: Rgb<u8> = Rgb([150, 150, 150]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const CYAN: Rgb<u8> = Rgb([60, 200, 230]);

/// Red under the floor, amber when unsure, green when sure.
fn confidence_color(score: f32, min_score: f32) -> Rgb<u8> {
    if score < min_score {
        RED
    } else if score < 0.6 {
        AMBER
    } else {
        GREEN
    }
}

fn contact_color(ok: Option<bool>) -> Rgb<u8> {
    match ok {
        Some(true) => GREEN,
        Some(false) => RED,
        None => GREY,
    }
}

/// Draws on `img` (source pixels times `scale`): the back contour, the dowel line (green while no
/// contact is lost, else red) and its contacts from the mask's overlay, or else the keypoint
/// estimate of the dowel contacts; then the skeleton's bones and joints.
/// Keypoints under `min_score` (the form engine's floor) are not drawn.
pub(crate) fn draw_overlay(img: &mut RgbImage, frame: &FrameOut, scale: f32, min_score: f32) {
    let at = |p: [f32; 2]| [p[0] * scale, p[1] * scale];
    let lw = (img.width() as f32 / 320.0).max(2.0);
    if let Some(o) = frame.back.as_ref().and_then(|b| b.overlay.as_ref()) {
        for w in o.contour.windows(2) {
            line(img, at(w[0]), at(w[1]), lw * 0.5, CYAN);
        }
        let contacts: Vec<([f32; 2], Option<bool>)> = o.contacts.iter().map(|c| (at(c.at), Some(c.ok))).collect();
        dowel(img, [at(o.dowel[0]), at(o.dowel[1])], &contacts, lw);
    } else if let Some(d) = frame.form.as_ref().and_then(|f| f.dowel.as_ref()) {
        let p = |q: (f32, f32)| at([q.0, q.1]);
        let contacts = [(p(d.head), d.head_ok), (p(d.thoracic), d.thoracic_ok), (p(d.sacrum), d.sacrum_ok)];
        dowel(img, [p(d.head), p(d.sacrum)], &contacts, lw);
    }
    if !frame.present {
        return;
    }
    let kp = |j: Joint| frame.keypoints.iter().find(|k| k.name == j.name());
    for (a, b) in BONES {
        if let (Some(a), Some(b)) = (kp(a), kp(b)) {
            let s = a.score.min(b.score);
            if s >= min_score {
                line(img, at([a.x, a.y]), at([b.x, b.y]), lw * 0.6, confidence_color(s, min_score));
            }
        }
    }
    for k in &frame.keypoints {
        if k.score >= min_score {
            disc(img, at([k.x, k.y]), lw * 1.6, Rgb([0, 0, 0]));
            disc(img, at([k.x, k.y]), lw * 1.2, confidence_color(k.score, min_score));
        }
    }
}

fn dowel(img: &mut RgbImage, ends: [[f32; 2]; 2], contacts: &[([f32; 2], Option<bool>)], lw: f32) {
    let all_ok = contacts.iter().all(|c| c.1 != Some(false));
    line(img, ends[0], ends[1], lw, contact_color(Some(all_ok)));
    for &(p, ok) in contacts {
        disc(img, p, lw * 3.0, WHITE);
        disc(img, p, lw * 2.3, contact_color(ok));
    }
}

/// A filled disc of radius `r` at `c`.
fn disc(img: &mut RgbImage, c: [f32; 2], r: f32, color: Rgb<u8>) {
    if !(c[0].is_finite() && c[1].is_finite()) {
        return;
    }
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, x1) = (((c[0] - r).floor() as i64).max(0), ((c[0] + r).ceil() as i64).min(w - 1));
    let (y0, y1) = (((c[1] - r).floor() as i64).max(0), ((c[1] + r).ceil() as i64).min(h - 1));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (dx, dy) = (x as f32 + 0.5 - c[0], y as f32 + 0.5 - c[1]);
            if dx * dx + dy * dy <= r * r {
                img.put_pixel(x as u32, y as u32, color);
            }
        }
    }
}

/// A line `width` pixels thick from `a` to `b`.
fn line(img: &mut RgbImage, a: [f32; 2], b: [f32; 2], width: f32, color: Rgb<u8>) {
    let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    if !len.is_finite() || len > 100_000.0 {
        return;
    }
    let steps = len.ceil().max(1.0) as usize;
    for i in 0..=steps {
        let f = i as f32 / steps as f32;
        disc(img, [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], width * 0.5, color);
    }
}
