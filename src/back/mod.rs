//! The back itself, beyond keypoints: a person mask, the dorsal contour, a virtual dowel fitted to
//! it, and a real dowel when one is held (hip hinge, side view).
//!
//! Per frame (see [`BackAnalyzer::analyze`]):
//! 1. [`SegModel::segment`] runs the selfie model on the pose stage's tracked crop -> [`PersonMask`];
//! 2. [`trace_contour`] follows the back edge from the sacrum to the back of the head, and gates the
//!    mask (area, edge found along the back, an arm going on past its keypoints);
//! 3. [`DowelDetector::detect`] looks for a real dowel along the back in the same crop; when it
//!    finds one, the dowel is erased from the mask, the back traced again, and the three contacts
//!    checked against it where the back is seen. Without one, [`check_arms`] and [`check_edge`]
//!    gate the contour (arms over the back, ragged or blurred edge);
//! 4. [`fit_virtual_dowel`] rests a line on the sacrum and the upper back and measures, in torso
//!    lengths, how far the thoracic and lumbar back go past it or sag away, and where the back of
//!    the head is;
//! 5. [`BackAnalyzer`] adds the frame-to-frame consistency gate, decides `rounded_back`,
//!    `head_off_dowel` (and `arched_back`, reported only), and builds the [`BackOverlay`].
//!
//! A frame the mask cannot judge returns [`Unreliable`]: the caller falls back to the keypoint proxies.
//!
//! Thresholds ([`BackConfig`]) come from geometry, in torso lengths (shoulder-hip distance,
//! about 50 cm in an adult): 0.08 (about 4 cm) is the form rules' thoracic limit and is used for a
//! lost contact of the trunk and of the head; a normal lumbar hollow under a dowel is about a hand's
//! thickness (3-4 cm, 0.06-0.08), so an over-arch is a hollow deeper than 0.12 (6 cm).

pub mod contour;
pub mod dowel;
pub mod seg;

use serde::{Deserialize, Serialize};

pub use contour::{
    BackContour, BackKeypoints, ContourPoint, P2, Part, Unreliable, VirtualDowel, check_arms, check_edge,
    fit_trunk_line, fit_virtual_dowel, refusal_note, refusal_text, trace_contour,
};
pub use dowel::{DowelContact, DowelDetector, RealDowel};
pub use seg::{PersonMask, SEG_SIDE, SegError, SegModel, SegTimes, fit_to_frame, locate_seg_model, seg_region};

use crate::pose::skeleton::Pose;

/// Settings of the back module. Distances in torso lengths unless noted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackConfig {
    /// Not turned to the camera: mean shoulder/hip width over the running torso length (see
    /// [`BackKeypoints::torso_scale`]) below this (the form engine's `front_view_min_width`: what
    /// it would call a front view). A three-quarter view (up to about 45 degrees, ratio about 0.45
    /// for adult proportions) still shows the back's outline: bent over, the back rounds *up*,
    /// across the turn, so the rounding keeps its full size in the picture, and the trunk's
    /// foreshortening along its length is undone by the running torso length.
    pub max_width_ratio: f32,
    /// Mask probability at and above which a pixel is the person.
    pub mask_threshold: f32,
    /// The person must cover at least this fraction of the crop...
    pub min_area_fraction: f32,
    /// ...and at most this (a mask filling the crop has no edge to trace).
    pub max_area_fraction: f32,
    /// Torso length in mask pixels below which the back is too small to trace.
    pub min_torso_px: f32,
    /// Longest dorsal ray from the axis to the edge.
    pub max_ray: f32,
    /// Fraction of trunk stations that must find the edge.
    pub min_trunk_found: f32,
    /// Contour points within this distance of an arm (elbow, wrist, forearm, outer upper arm) are
    /// the arm, not the back, and are dropped.
    pub arm_radius: f32,
    /// An upper arm within this angle (degrees) of the trunk (shoulder -> hip), its elbow on the
    /// back's side, lies along the back: a near one covers the outline from the shoulder on.
    pub arm_along_back_deg: f32,
    /// Fraction of the thoracic zone that must remain after dropping arm points.
    pub min_thoracic_visible: f32,
    /// Largest mean |second difference| of the trunk contour (jaggedness).
    pub max_roughness: f32,
    /// Largest fraction of adjacent trunk points jumping more than `max_step`.
    pub max_jumps: f32,
    /// A step between neighbouring contour points (torso lengths) that a back's outline does not
    /// make: counted by `max_jumps`, and across a stretch an arm hides it refuses the frame (the
    /// arm goes on past where its keypoints put it).
    pub max_step: f32,
    /// Half the width of a held dowel (torso lengths; a 2-3 cm dowel on a torso of about 50 cm):
    /// the band erased from the mask around a detected dowel starts this far (less half a pixel)
    /// on the body's side of its centre line.
    pub dowel_half_width: f32,
    /// Smallest mean probability drop across the edge (1 = crisp, 0.5 = very soft).
    pub min_edge_contrast: f32,
    /// Largest fraction of contour points with a soft edge (probability drop below 0.5).
    pub max_soft_fraction: f32,
    /// Thoracic or lumbar back past the dowel line by more than this = contact lost (`rounded_back`).
    pub round_max_bulge: f32,
    /// Back of the head off the line (either way) by more than this = `head_off_dowel`.
    pub head_max_gap: f32,
    /// Lumbar hollow deeper than this = over-arched (reported, not a contact loss).
    pub arch_max_sag: f32,
    /// Consistency: largest change of the thoracic or head measure from the previous frame.
    pub max_frame_change: f32,
    /// Consistency: the previous frame counts only when at most this old (s).
    pub consistency_window_s: f64,
    /// Cadence (video): the mask runs on every `mask_every`-th frame (1 = every frame). In between,
    /// the last reading is carried forward only while the person holds still (see
    /// `carry_max_motion`); otherwise the frame is not judged by the mask.
    pub mask_every: u32,
    /// Largest movement of the hip, shoulder or ear (torso lengths) since the masked frame for its
    /// reading to stand for this frame: a stale reading must not judge another posture.
    pub carry_max_motion: f32,
    /// Video: the mask runs only while the trunk (hip to shoulder on the body's midline, see
    /// [`BackKeypoints::from_pose`]) leans at least this far from vertical (degrees); an upright
    /// frame is not judged by the mask (the form engine judges the contacts only from its
    /// `spine_min_trunk_deg`, 15 degrees). Below the engine's threshold, so that the first frame it
    /// judges has a masked predecessor for the consistency gate, and so that the engine's near-side
    /// trunk line, which can differ from the midline by a few degrees, never lands on an unmasked
    /// frame. 0 masks every frame.
    pub mask_min_trunk_deg: f32,
    /// Running torso length (video): how fast it shrinks toward a shorter torso, per second (as
    /// the form engine's `torso_decay_per_s`; it follows a longer one at once).
    pub torso_decay_per_s: f32,
    /// Real dowel: gap between the back and the dowel above this = contact lost.
    pub dowel_contact_max_gap: f32,
    /// Real dowel: fraction of the sacrum-to-head length the line must cover.
    pub dowel_min_coverage: f32,
    /// Real dowel: grey-level difference between the line and both its sides (0..255).
    pub dowel_min_contrast: f32,
}

impl Default for BackConfig {
    fn default() -> Self {
        Self {
            max_width_ratio: 0.5,
            mask_threshold: 0.5,
            min_area_fraction: 0.02,
            max_area_fraction: 0.8,
            min_torso_px: 16.0,
            max_ray: 0.8,
            min_trunk_found: 0.85,
            arm_radius: 0.15,
            arm_along_back_deg: 35.0,
            min_thoracic_visible: 0.6,
            max_roughness: 0.03,
            max_jumps: 0.05,
            max_step: 0.08,
            dowel_half_width: 0.025,
            min_edge_contrast: 0.6,
            max_soft_fraction: 0.15,
            round_max_bulge: 0.08,
            head_max_gap: 0.08,
            arch_max_sag: 0.12,
            max_frame_change: 0.1,
            consistency_window_s: 0.25,
            torso_decay_per_s: 0.1,
            mask_every: 2,
            carry_max_motion: 0.03,
            mask_min_trunk_deg: 10.0,
            dowel_contact_max_gap: 0.05,
            dowel_min_coverage: 0.6,
            dowel_min_contrast: 20.0,
        }
    }
}

/// Which method produced a [`BackReading`] (maps onto the form engine's `SpineMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackMethod {
    /// Virtual dowel on the mask contour.
    Contour,
    /// A detected real dowel.
    Dowel,
}

/// The three dowel contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactName {
    Head,
    Thoracic,
    Sacrum,
}

/// A contact point for the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverlayContact {
    pub name: ContactName,
    /// Source-frame pixels.
    pub at: P2,
    /// Gap, torso lengths (0 = touching).
    pub gap: f32,
    /// Contact holds (green) or is lost (red).
    pub ok: bool,
}

/// What the UI draws, in source-frame pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackOverlay {
    /// Traced back contour, sacrum to head.
    pub contour: Vec<P2>,
    /// The dowel line (real when `dowel_detected`, else virtual), end points.
    pub dowel: [P2; 2],
    /// "dowel detected".
    pub dowel_detected: bool,
    /// Head (when traced), thoracic, sacrum.
    pub contacts: Vec<OverlayContact>,
}

/// Signed measurements against the virtual dowel (torso lengths); see [`VirtualDowel`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BackGaps {
    /// + thoracic back past the line (rounded), - below it.
    pub thoracic: f32,
    /// + lower back past the line (lumbar flexion).
    pub lumbar_bulge: f32,
    /// Depth of the lumbar hollow (>= 0).
    pub lumbar_sag: f32,
    /// - head below the line (bowed), + past it (pushed back). None when the head was not traced.
    pub head: Option<f32>,
    /// Thoracic back past the line through the sacrum and the back of the head (the literal
    /// head-sacrum dowel; a bowed head raises it as much as a rounded back does).
    pub thoracic_vs_head_line: Option<f32>,
}

/// One frame's judgement of the back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackReading {
    /// Frame time (s).
    pub t: f64,
    /// Carried forward from the masked frame at this time (s) (see `BackConfig::mask_every`):
    /// `None` when the mask ran on this frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<f64>,
    /// Real dowel when one was found, otherwise the contour.
    pub method: BackMethod,
    /// Contour measurements (always present: the real dowel is found along the contour).
    pub gaps: BackGaps,
    /// Unsigned gaps at the three contacts (0 = touching), for the form engine's `BackMeasure`:
    /// from the real dowel when detected, else from the virtual dowel.
    pub head_gap: Option<f32>,
    pub thoracic_gap: Option<f32>,
    pub sacrum_gap: Option<f32>,
    /// Contact lost at the thoracic or sacrum point.
    pub rounded_back: bool,
    /// Back of the head off the dowel while the trunk holds (a rounded back already names the head in its cue).
    pub head_off_dowel: bool,
    /// Lumbar hollow deeper than `arch_max_sag` (contour only; no fault id in the form rules yet).
    pub arched_back: bool,
    /// The real dowel, when found (mask coordinates).
    pub dowel: Option<RealDowel>,
    /// Torso length in source pixels.
    pub torso_px: f32,
    /// Contour quality: fraction of trunk stations traced, roughness, edge contrast.
    pub trunk_found: f32,
    pub roughness: f32,
    pub edge_contrast: f32,
    pub soft_fraction: f32,
    pub overlay: BackOverlay,
}

/// Stateless measurement of one frame: contour, virtual dowel and (with `crop`) a real dowel.
/// `crop` is the RGB crop the mask was computed from ([`SegModel::last_crop`]).
///
/// # Errors
/// [`Unreliable`] when the mask cannot judge the back.
pub fn measure_back(
    mask: &PersonMask,
    kp: &BackKeypoints,
    crop: Option<&[i32]>,
    detector: &mut DowelDetector,
    cfg: &BackConfig,
    t: f64,
) -> Result<BackReading, Unreliable> {
    measure_back_with(mask, kp, crop, detector, cfg, t, None)
}

/// Runs the segmentation model again on an edited crop (see [`measure_back_with`]).
pub type Resegment<'a> = &'a mut dyn FnMut(&[i32]) -> Option<PersonMask>;

/// [`measure_back`], with `resegment`: when a held dowel is found, it is painted out of the crop
/// ([`dowel::paint_out_dowel`]) and the person segmented again from that, before the back is
/// traced for the contacts. The segmentation model takes the dowel in as part of the person and
/// fills the wedge between it and a back it does not touch, so that erasing the dowel from the
/// first mask leaves a back that follows the dowel: a contact lost reads as held. Without
/// `resegment` (or when it fails), the dowel is erased from the first mask instead.
///
/// # Errors
/// [`Unreliable`] when the mask cannot judge the back.
pub fn measure_back_with(
    mask: &PersonMask,
    kp: &BackKeypoints,
    crop: Option<&[i32]>,
    detector: &mut DowelDetector,
    cfg: &BackConfig,
    t: f64,
    mut resegment: Option<Resegment<'_>>,
) -> Result<BackReading, Unreliable> {
    // A held dowel is looked for on the contour before its edge and what the arms hide are judged:
    // the segmentation model often takes the dowel in as part of the person, which makes the
    // outline the dowel's (or ragged), and the hands holding it hide parts of the back. When one
    // is found, the person is segmented again with the dowel painted out of the crop (when
    // `resegment` is given), the dowel erased from that mask, and the back traced again: the
    // contacts are measured between the dowel and the body itself, each where the back is seen
    // (a contact an arm hides is not judged), and that back must pass the edge gate. Without a
    // dowel, every gate applies.
    let first = trace_contour(mask, kp, cfg)?;
    // Where to look: along the virtual dowel, or, where arms hide its ends, along a line fitted to
    // the visible back.
    let guide = |c: &BackContour| fit_virtual_dowel(c).or_else(|| fit_trunk_line(c));
    // Judged on the back alone, with every gate.
    let without_dowel = |c: BackContour| -> Result<_, Unreliable> {
        let c = check_edge(check_arms(c, cfg)?, cfg)?;
        let v = fit_virtual_dowel(&c).ok_or(Unreliable::EdgeNotFound)?;
        Ok((c, v, None))
    };
    let found =
        crop.zip(guide(&first)).and_then(|(crop, g)| Some((crop, detector.detect(crop, mask.side, &first, &g, cfg)?)));
    let (c, v, real) = match found {
        Some((crop, d)) => {
            let half = cfg.dowel_half_width * first.torso;
            let resegmented = resegment.as_mut().and_then(|f| {
                let mut painted = crop.to_vec();
                dowel::paint_out_dowel(&mut painted, mask.side, d.ends, first.dorsal, half);
                f(&painted)
            });
            let base = resegmented.as_ref().unwrap_or(mask);
            let cleaned = base.without_dowel(d.ends[0], d.ends[1], first.dorsal, (half - 0.5).max(0.0), half + 1.5);
            // The back without the dowel must itself be clean: the first mask's outline was partly
            // the dowel's, and is never judged as the back.
            let c = check_edge(trace_contour(&cleaned, kp, cfg)?, cfg)?;
            match guide(&c).and_then(|v| Some((detector.detect(crop, mask.side, &c, &v, cfg)?, v))) {
                Some((real, v)) => (c, v, Some(real)),
                // Not found again against the back traced without it: the back is judged on its own.
                None => without_dowel(c)?,
            }
        }
        None => without_dowel(first)?,
    };
    let gaps = BackGaps {
        thoracic: v.thoracic,
        lumbar_bulge: v.lumbar_bulge,
        lumbar_sag: v.lumbar_sag,
        head: v.head,
        thoracic_vs_head_line: v.thoracic_vs_head_line,
    };
    let src = |p: P2| mask.to_source(p);
    let contour_src: Vec<P2> = c.points.iter().map(|p| src(p.p)).collect();
    let (method, head_gap, thoracic_gap, sacrum_gap, rounded, head_off, overlay) = if let Some(d) = &real {
        let g = |k: &Option<DowelContact>| k.map(|k| k.gap.max(0.0));
        let lost = |k: &Option<DowelContact>| k.is_some_and(|k| !k.ok);
        let rounded = lost(&d.thoracic) || lost(&d.sacrum);
        let mut contacts = Vec::new();
        for (name, k) in
            [(ContactName::Head, d.head), (ContactName::Thoracic, d.thoracic), (ContactName::Sacrum, d.sacrum)]
        {
            if let Some(k) = k {
                contacts.push(OverlayContact { name, at: src(k.point), gap: k.gap.max(0.0), ok: k.ok });
            }
        }
        let overlay = BackOverlay {
            contour: contour_src.clone(),
            dowel: [src(d.ends[0]), src(d.ends[1])],
            dowel_detected: true,
            contacts,
        };
        (BackMethod::Dowel, g(&d.head), g(&d.thoracic), g(&d.sacrum), rounded, !rounded && lost(&d.head), overlay)
    } else {
        let thor_gap = v.thoracic.max(0.0);
        let sac_gap = v.lumbar_bulge.max(0.0);
        let head_gap = v.head.map(f32::abs);
        let rounded = thor_gap > cfg.round_max_bulge || sac_gap > cfg.round_max_bulge;
        let head_lost = head_gap.is_some_and(|h| h > cfg.head_max_gap);
        let mut contacts = Vec::new();
        if let (Some(h), Some(p)) = (head_gap, v.head_point) {
            contacts.push(OverlayContact { name: ContactName::Head, at: src(p), gap: h, ok: !head_lost });
        }
        contacts.push(OverlayContact {
            name: ContactName::Thoracic,
            at: src(v.thoracic_point),
            gap: thor_gap,
            ok: thor_gap <= cfg.round_max_bulge,
        });
        contacts.push(OverlayContact {
            name: ContactName::Sacrum,
            at: src(v.sacrum),
            gap: sac_gap,
            ok: sac_gap <= cfg.round_max_bulge,
        });
        // The line from below the sacrum to the level of the furthest traced point.
        let far = c.points.iter().map(|p| dot_along(p.p, &v)).fold(c.torso, f32::max);
        let end = |a: f32| src([v.sacrum[0] + v.dir[0] * a, v.sacrum[1] + v.dir[1] * a]);
        let overlay = BackOverlay {
            contour: contour_src.clone(),
            dowel: [end(-0.1 * c.torso), end(far)],
            dowel_detected: false,
            contacts,
        };
        (BackMethod::Contour, head_gap, Some(thor_gap), Some(sac_gap), rounded, !rounded && head_lost, overlay)
    };
    Ok(BackReading {
        t,
        carried_from: None,
        method,
        gaps,
        head_gap,
        thoracic_gap,
        sacrum_gap,
        rounded_back: rounded,
        head_off_dowel: head_off,
        arched_back: v.lumbar_sag > cfg.arch_max_sag,
        dowel: real,
        torso_px: c.torso * mask.scale(),
        trunk_found: c.trunk_found,
        roughness: c.roughness,
        edge_contrast: c.edge_contrast,
        soft_fraction: c.soft_fraction,
        overlay,
    })
}

fn dot_along(p: P2, v: &VirtualDowel) -> f32 {
    (p[0] - v.sacrum[0]) * v.dir[0] + (p[1] - v.sacrum[1]) * v.dir[1]
}

/// Per-video state: the consistency gate, the running torso length and the dowel detector's buffers.
#[derive(Debug, Clone, Default)]
pub struct BackAnalyzer {
    pub config: BackConfig,
    detector: DowelDetector,
    prev: Option<(f64, f32, Option<f32>)>,
    torso: crate::form::view::TorsoScale,
    last_t: Option<f64>,
}

impl BackAnalyzer {
    #[must_use]
    pub fn new(config: BackConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Forgets the previous frames (new source, independent stills, or a jump in time).
    pub fn reset(&mut self) {
        self.prev = None;
        self.torso = crate::form::view::TorsoScale::default();
        self.last_t = None;
    }

    /// The running torso length (source pixels), when a frame has shown one.
    #[must_use]
    pub fn torso_scale(&self) -> Option<f32> {
        self.torso.get()
    }

    /// Follows the running torso length on a frame the mask does not run on (see
    /// `BackConfig::mask_min_trunk_deg`), so that the first masked frame is measured against the
    /// torso seen upright, as when every frame is masked; [`BackAnalyzer::analyze`] does the same.
    /// Returns the running torso length.
    pub fn track_torso(&mut self, t: f64, kp: &BackKeypoints) -> Option<f32> {
        let dt = self.last_t.map_or(0.0, |l| (t - l).max(0.0));
        self.last_t = Some(t);
        let own = contour::norm(contour::sub(kp.shoulder, kp.hip));
        self.torso.update(Some(own), dt, self.config.torso_decay_per_s)
    }

    /// Judges the back in one frame from its mask, its pose (source pixels) and, optionally, the
    /// RGB crop the mask was computed from (enables real-dowel detection).
    ///
    /// Consistency: a frame whose thoracic or head measure moved more than `max_frame_change` from
    /// the previous frame (within `consistency_window_s`) is [`Unreliable::Inconsistent`]; the first
    /// frame, or one after a pause, is taken as it is.
    ///
    /// # Errors
    /// [`Unreliable`]: fall back to the keypoint proxies for this frame.
    pub fn analyze(
        &mut self,
        t: f64,
        mask: &PersonMask,
        pose: &Pose,
        min_score: f32,
        crop: Option<&[i32]>,
    ) -> Result<BackReading, Unreliable> {
        self.analyze_with(t, mask, pose, min_score, crop, None)
    }

    /// [`BackAnalyzer::analyze`], segmenting again with a held dowel painted out (see
    /// [`measure_back_with`]).
    ///
    /// # Errors
    /// [`Unreliable`]: fall back to the keypoint proxies for this frame.
    pub fn analyze_with(
        &mut self,
        t: f64,
        mask: &PersonMask,
        pose: &Pose,
        min_score: f32,
        crop: Option<&[i32]>,
        resegment: Option<Resegment<'_>>,
    ) -> Result<BackReading, Unreliable> {
        let Some(mut kp) = BackKeypoints::from_pose(pose, min_score) else {
            self.prev = None;
            return Err(Unreliable::MissingKeypoints);
        };
        kp.torso_scale = self.track_torso(t, &kp);
        let r = match measure_back_with(mask, &kp, crop, &mut self.detector, &self.config, t, resegment) {
            Ok(r) => r,
            Err(e) => {
                self.prev = None;
                return Err(e);
            }
        };
        let prev = self.prev.replace((t, r.gaps.thoracic, r.gaps.head));
        if let Some((pt, thor, head)) = prev {
            let recent = (t - pt).abs() <= self.config.consistency_window_s;
            let jump = (r.gaps.thoracic - thor).abs() > self.config.max_frame_change
                || matches!((r.gaps.head, head), (Some(a), Some(b)) if (a - b).abs() > self.config.max_frame_change);
            if recent && jump {
                return Err(Unreliable::Inconsistent);
            }
        }
        Ok(r)
    }
}

/// Per-rep summary for review and reports: the largest thoracic gap, the head-contact state and
/// the frames where each was worst, and which method judged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackRepSummary {
    /// Frames judged by the contour / by a real dowel.
    pub contour_frames: u32,
    pub dowel_frames: u32,
    /// Largest thoracic gap (torso lengths) and its frame time.
    pub max_thoracic_gap: Option<(f32, f64)>,
    /// Largest head gap and its frame time.
    pub max_head_gap: Option<(f32, f64)>,
    /// Any frame with the head contact lost.
    pub head_lost: bool,
    pub rounded_back: bool,
}

impl BackRepSummary {
    /// Adds one frame's reading.
    pub fn push(&mut self, r: &BackReading) {
        match r.method {
            BackMethod::Contour => self.contour_frames += 1,
            BackMethod::Dowel => self.dowel_frames += 1,
        }
        let worse = |cur: Option<(f32, f64)>, g: Option<f32>| match (cur, g) {
            (Some((c, _)), Some(g)) if g <= c => cur,
            (_, Some(g)) => Some((g, r.t)),
            (c, None) => c,
        };
        self.max_thoracic_gap = worse(self.max_thoracic_gap, r.thoracic_gap);
        self.max_head_gap = worse(self.max_head_gap, r.head_gap);
        self.head_lost |= r.head_off_dowel;
        self.rounded_back |= r.rounded_back;
    }

    /// The method that judged most frames (None when no frame was judged by the mask).
    #[must_use]
    pub fn method(&self) -> Option<BackMethod> {
        match (self.contour_frames, self.dowel_frames) {
            (0, 0) => None,
            (c, d) if d >= c => Some(BackMethod::Dowel),
            _ => Some(BackMethod::Contour),
        }
    }
}

/// The mask stage of the hip hinge in a pipeline: the selfie model on a crop sized from the
/// keypoints, then the back contour. A frame it cannot judge gives `None`: the form engine's
/// keypoint proxies judge it instead.
///
/// Cadence: the mask runs on every `BackConfig::mask_every`-th frame. On the frames between, the
/// last reading stands (marked `carried_from`) only if it was judged on the previous masked frame
/// and the person has not moved since (hip, shoulder and ear within `carry_max_motion` torso
/// lengths); a frame that moved, or follows a refused mask, is not judged by the mask.
///
/// Upright frames (trunk below `BackConfig::mask_min_trunk_deg`) are not masked at all, and
/// nothing is carried to them: the form engine does not judge the contacts there. The cadence
/// counts them, and on those the mask would have run they keep the running torso length up to
/// date, so the bent frames are masked, and measured against the torso seen upright, as before.
pub struct BackStage {
    seg: SegModel,
    mask: Option<PersonMask>,
    analyzer: BackAnalyzer,
    /// Frames since the last masked one (0: mask this frame).
    since_mask: u32,
    /// The last masked frame's reading (when judged) and its keypoints.
    last: Option<(BackReading, BackKeypoints)>,
    /// Why the last masked frame was not judged, when the mask refused it.
    last_refusal: Option<Unreliable>,
    /// Why the mask did not judge the frame last given to [`BackStage::measure`]: set when it
    /// looked (that frame was masked, or follows a refused masked frame) and refused.
    refusal: Option<Unreliable>,
    /// Milliseconds spent so far (mask and contour), for timing reports.
    pub total_ms: f64,
    /// Frames the mask ran on.
    pub masked_frames: u64,
}

impl std::fmt::Debug for BackStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackStage")
            .field("total_ms", &self.total_ms)
            .field("masked_frames", &self.masked_frames)
            .finish_non_exhaustive()
    }
}

impl BackStage {
    /// Loads the segmentation model, with the default [`BackConfig`].
    ///
    /// # Errors
    /// [`SegError`] when the model or the runtime is missing or wrong.
    pub fn load(threads: usize) -> Result<Self, SegError> {
        Self::load_with(threads, BackConfig::default())
    }

    /// Loads the segmentation model, with `config`.
    ///
    /// # Errors
    /// [`SegError`] when the model or the runtime is missing or wrong.
    pub fn load_with(threads: usize, config: BackConfig) -> Result<Self, SegError> {
        Ok(Self {
            seg: SegModel::load(threads)?,
            mask: None,
            analyzer: BackAnalyzer::new(config),
            since_mask: 0,
            last: None,
            last_refusal: None,
            refusal: None,
            total_ms: 0.0,
            masked_frames: 0,
        })
    }

    /// Forgets the previous frames (independent stills, or a jump in time): the next frame is masked.
    pub fn reset(&mut self) {
        self.analyzer.reset();
        self.since_mask = 0;
        self.last = None;
        self.last_refusal = None;
        self.refusal = None;
    }

    /// Why the mask did not judge the frame last given to [`BackStage::measure`], when it looked
    /// and refused (`None` when it judged it, or did not look: no person, or a frame between
    /// masked ones on which the person moved).
    #[must_use]
    pub fn refusal(&self) -> Option<Unreliable> {
        self.refusal
    }

    /// What the form engine gets for the frame last given to [`BackStage::measure`] (whose result
    /// is `reading`): the measurement, or the mask's refusal with its reason, or nothing.
    #[must_use]
    pub fn engine_input(&self, reading: Option<&BackReading>) -> Option<crate::form::BackMeasure> {
        reading.map(BackReading::measure).or_else(|| self.refusal.map(|u| crate::form::BackMeasure::refused(u.id())))
    }

    /// Judges the back in `frame`, whose pose is `sample`.
    pub fn measure(
        &mut self,
        frame: &crate::frame::Frame,
        sample: &crate::pose::skeleton::PoseSample,
        min_score: f32,
    ) -> Option<BackReading> {
        if !sample.present {
            self.reset();
            return None;
        }
        let t0 = std::time::Instant::now();
        let every = self.analyzer.config.mask_every.max(1);
        let upright = BackKeypoints::from_pose(&sample.pose, min_score)
            .filter(|kp| trunk_inclination_deg(kp) < self.analyzer.config.mask_min_trunk_deg);
        let due = self.since_mask.is_multiple_of(every);
        let reading = if let Some(kp) = upright {
            // Not masked, but the cadence runs on and the running torso follows the frames the
            // mask would have run on: the bent frames are masked and measured as before.
            if due {
                self.analyzer.track_torso(frame.t, &kp);
            }
            self.since_mask = if due { 1 } else { self.since_mask + 1 };
            self.last = None;
            // The mask did not look: no reading, and no refusal either.
            self.last_refusal = None;
            self.refusal = None;
            None
        } else if due {
            self.masked_frames += 1;
            let (r, why) = match self.mask_and_measure(frame, sample, min_score) {
                Ok(r) => (Some(r), None),
                Err(why) => (None, why),
            };
            let kp = BackKeypoints::from_pose(&sample.pose, min_score)
                .map(|k| BackKeypoints { torso_scale: self.analyzer.torso_scale(), ..k });
            self.last = r.clone().zip(kp);
            self.last_refusal = why;
            self.refusal = why;
            self.since_mask = 1;
            r
        } else {
            self.since_mask += 1;
            let r = self.carry(frame.t, sample, min_score);
            // Between masked frames, a refusal stands as a reading would.
            self.refusal = if r.is_none() { self.last_refusal } else { None };
            r
        };
        self.total_ms += t0.elapsed().as_secs_f64() * 1e3;
        reading
    }

    /// The mask's reading of this frame; `Err(Some(why))` when the mask refused it, `Err(None)`
    /// when the mask could not run (no shoulder and hip to place the crop, or the model failed).
    fn mask_and_measure(
        &mut self,
        frame: &crate::frame::Frame,
        sample: &crate::pose::skeleton::PoseSample,
        min_score: f32,
    ) -> Result<BackReading, Option<Unreliable>> {
        let region = fit_to_frame(seg_region(&sample.pose, min_score).ok_or(None)?, frame.width, frame.height);
        match self.mask.as_mut() {
            Some(mask) => self.seg.segment_into(frame, &region, mask).map_err(|_| None)?,
            None => self.mask = Some(self.seg.segment(frame, &region).map_err(|_| None)?),
        }
        let mask = self.mask.as_ref().ok_or(None)?;
        // The crop is lent out while the model may run again on an edited copy of it.
        let crop = self.seg.take_crop();
        let seg = &mut self.seg;
        let frame_size = (frame.width, frame.height);
        let mut resegment = |painted: &[i32]| seg.segment_crop(painted, &region, frame_size).ok();
        let r = self.analyzer.analyze_with(frame.t, mask, &sample.pose, min_score, Some(&crop), Some(&mut resegment));
        self.seg.restore_crop(crop);
        r.map_err(Some)
    }

    /// The last masked frame's reading for this frame, if the person has held still since.
    fn carry(&self, t: f64, sample: &crate::pose::skeleton::PoseSample, min_score: f32) -> Option<BackReading> {
        let (last, then) = self.last.as_ref()?;
        let now = BackKeypoints::from_pose(&sample.pose, min_score)?;
        let unit = then.torso_unit().max(1.0);
        let moved = |a: P2, b: P2| contour::norm(contour::sub(a, b)) / unit;
        let ear = match (now.ear, then.ear) {
            (Some(a), Some(b)) => moved(a, b),
            (None, None) => 0.0,
            _ => f32::INFINITY,
        };
        let motion = moved(now.hip, then.hip).max(moved(now.shoulder, then.shoulder)).max(ear);
        (motion <= self.analyzer.config.carry_max_motion).then(|| BackReading {
            t,
            carried_from: Some(last.t),
            ..last.clone()
        })
    }
}

/// Inclination of the midline trunk (hip to shoulder) from vertical, degrees (NaN when they coincide).
fn trunk_inclination_deg(kp: &BackKeypoints) -> f32 {
    crate::form::geometry::inclination_from_vertical((kp.hip[0], kp.hip[1]), (kp.shoulder[0], kp.shoulder[1]))
}

impl BackReading {
    /// This reading as the form engine's back measurement.
    #[must_use]
    pub fn measure(&self) -> crate::form::BackMeasure {
        crate::form::BackMeasure {
            method: match self.method {
                BackMethod::Contour => crate::form::SpineMethod::Contour,
                BackMethod::Dowel => crate::form::SpineMethod::Dowel,
            },
            head_gap: self.head_gap,
            thoracic_gap: self.thoracic_gap,
            sacrum_gap: self.sacrum_gap,
            refused: None,
        }
    }
}
