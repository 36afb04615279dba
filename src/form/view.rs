//! Camera view classification (side / front / unknown) and the body-size scale.
//!
//! Side view: the shoulders (and hips) overlap, so their apparent widths are small relative to the
//! torso length; front view: they are wide. With world landmarks the view is instead how far the
//! body is turned from the exercise's view (`world::World::deviation`), so a three-quarter view
//! within `world_view_max_deg` counts as the exercise's view. In between (three-quarter views) the view keeps its last
//! value, and a new view must persist `view_min_s` before it is reported (hysteresis in value and
//! time).

use super::config::CommonConfig;
use super::geometry::{Pt, dist, mid};
use crate::pose::skeleton::{Joint, Pose};
use serde::{Deserialize, Serialize};

/// How the camera sees the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Camera at the person's side (sagittal plane faces the camera).
    Side,
    /// Camera faces the chest or the back.
    Front,
    /// Not judged yet, or not enough keypoints.
    #[default]
    Unknown,
}

/// Left or right side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The person's left.
    Left,
    /// The person's right.
    Right,
}

impl Side {
    /// The other side.
    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// The joint of this side named by its left-side variant (`Joint::LeftHip` -> this side's hip).
    #[must_use]
    pub fn joint(self, left_variant: Joint) -> Joint {
        match self {
            Side::Left => left_variant,
            Side::Right => left_variant.mirrored(),
        }
    }

    /// "left" / "right".
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// A pose with the visibility floor applied: joints are `Some(point)` only when confident.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body<'a> {
    /// The (smoothed) pose.
    pub pose: &'a Pose,
    /// Confidence floor.
    pub min_score: f32,
}

impl Body<'_> {
    /// The joint's position if visible.
    #[must_use]
    pub fn pt(&self, j: Joint) -> Option<Pt> {
        self.pose.visible(j, self.min_score).map(|k| (k.x, k.y))
    }

    /// The joint on `side` (named by its left variant) if visible.
    #[must_use]
    pub(crate) fn side_pt(&self, side: Side, left_variant: Joint) -> Option<Pt> {
        self.pt(side.joint(left_variant))
    }

    /// Midpoint of the left and right joints if both are visible, else the visible one.
    #[must_use]
    pub(crate) fn mid_or_one(&self, left_variant: Joint) -> Option<Pt> {
        match (self.pt(left_variant), self.pt(left_variant.mirrored())) {
            (Some(a), Some(b)) => Some(mid(a, b)),
            (a, b) => a.or(b),
        }
    }

    /// Torso length in pixels this frame: shoulder mid to hip mid (either side if one is missing).
    #[must_use]
    pub fn torso_px(&self) -> Option<f32> {
        let s = self.mid_or_one(Joint::LeftShoulder)?;
        let h = self.mid_or_one(Joint::LeftHip)?;
        let d = dist(s, h);
        (d > 1.0).then_some(d)
    }

    /// Summed confidence of a side's joints (those given by their left variants).
    #[must_use]
    pub(crate) fn side_score(&self, side: Side, left_variants: &[Joint]) -> f32 {
        left_variants.iter().map(|&j| self.pose.get(side.joint(j)).score.max(0.0)).sum()
    }

    /// The near side in a side view: the side whose listed joints have the higher confidence.
    #[must_use]
    pub(crate) fn near_side(&self, left_variants: &[Joint]) -> Side {
        if self.side_score(Side::Right, left_variants) > self.side_score(Side::Left, left_variants) {
            Side::Right
        } else {
            Side::Left
        }
    }

    /// Apparent width of the shoulders and hips relative to this frame's torso length (mean of
    /// those seen). For a single image; over time use [`Body::width_ratio_scaled`].
    #[must_use]
    pub fn width_ratio(&self) -> Option<f32> {
        self.width_ratio_scaled(None)
    }

    /// Like [`Body::width_ratio`], relative to the larger of this frame's torso length and
    /// `scale` (the running torso length). A torso bent toward the camera is foreshortened in the
    /// picture while the shoulders keep their width: measured against the frame's own torso, a
    /// three-quarter view would turn "front" at every bend.
    #[must_use]
    pub(crate) fn width_ratio_scaled(&self, scale: Option<f32>) -> Option<f32> {
        let torso = self.torso_px()?.max(scale.unwrap_or(0.0));
        let mut widths = vec![];
        for j in [Joint::LeftShoulder, Joint::LeftHip] {
            if let (Some(a), Some(b)) = (self.pt(j), self.pt(j.mirrored())) {
                widths.push(dist(a, b));
            }
        }
        if widths.is_empty() {
            // One shoulder and one hip seen, the other side hidden: that is a side view.
            return Some(0.0);
        }
        Some(widths.iter().sum::<f32>() / widths.len() as f32 / torso)
    }
}

/// View classification with hysteresis.
#[derive(Debug, Clone, Default)]
pub(crate) struct ViewTracker {
    view: View,
    candidate: Option<(View, f64)>,
}

impl ViewTracker {
    /// The view this frame's 2D keypoints show, from the shoulders' and hips' apparent width over the
    /// running torso length (pixels); in the band between side and front, the current view. None
    /// when there is nothing to judge.
    pub fn raw_2d(&self, body: Option<&Body<'_>>, torso: Option<f32>, cfg: &CommonConfig) -> Option<View> {
        body.and_then(|b| b.width_ratio_scaled(torso)).map(|r| {
            if r < cfg.side_view_max_width {
                View::Side
            } else if r > cfg.front_view_min_width {
                View::Front
            } else {
                self.view // hysteresis band: keep
            }
        })
    }

    /// The view from world landmarks: the body `deviation` degrees from the `required` view (see
    /// `world::World::deviation`); in the band, the current view, or the required one while no
    /// view is known yet (the band keeps a view from flickering; with none there is nothing to keep,
    /// and the rules measure the body turned to the required view anyway).
    pub fn raw_world(&self, deviation: f32, required: View, cfg: &CommonConfig) -> View {
        if deviation <= cfg.world_view_max_deg {
            required
        } else if deviation >= cfg.world_view_max_deg + cfg.world_view_band_deg {
            match required {
                View::Front => View::Side,
                _ => View::Front,
            }
        } else if self.view == View::Unknown {
            required
        } else {
            self.view
        }
    }

    /// Update with this frame's view (from [`ViewTracker::raw_2d`] or [`ViewTracker::raw_world`];
    /// None = nothing to judge); returns `Some(new_view)` when the view changes.
    pub fn update(&mut self, t: f64, raw: Option<View>, cfg: &CommonConfig) -> Option<View> {
        let Some(raw) = raw else {
            self.candidate = None;
            return None; // nothing to judge: keep the last view
        };
        if raw == self.view {
            self.candidate = None;
            return None;
        }
        match self.candidate {
            Some((v, since)) if v == raw => {
                if t - since >= cfg.view_min_s {
                    self.view = raw;
                    self.candidate = None;
                    return Some(raw);
                }
            }
            _ => self.candidate = Some((raw, t)),
        }
        None
    }

    /// Current view.
    #[must_use]
    pub fn view(&self) -> View {
        self.view
    }
}

/// Robust running torso length: follows growth at once, shrinks slowly, so a torso foreshortened by
/// bending toward the camera does not inflate every normalised distance.
#[derive(Debug, Clone, Default)]
pub struct TorsoScale {
    value: Option<f32>,
}

impl TorsoScale {
    /// Update with this frame's torso length (pixels) after `dt` seconds.
    pub fn update(&mut self, torso: Option<f32>, dt: f64, decay_per_s: f32) -> Option<f32> {
        if let Some(m) = torso {
            self.value = Some(match self.value {
                None => m,
                Some(v) if m >= v => m,
                Some(v) => {
                    let k = (decay_per_s * dt as f32).clamp(0.0, 1.0);
                    v + (m - v) * k
                }
            });
        }
        self.value
    }

    /// Current estimate in pixels.
    #[must_use]
    pub fn get(&self) -> Option<f32> {
        self.value
    }
}
