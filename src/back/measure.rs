//! Measuring the back in one frame from its mask: the gates, the contour, a real dowel when one is
//! held, the virtual dowel otherwise.

use super::reading::{BackGaps, BackMethod, BackOverlay, BackReading, ContactName, OverlayContact};
use super::{
    BackConfig, BackContour, BackKeypoints, DowelContact, DowelDetector, P2, PersonMask, Unreliable, VirtualDowel,
    check_arms, check_edge, dowel, fit_trunk_line, fit_virtual_dowel, trace_contour,
};

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
pub(crate) type Resegment<'a> = &'a mut dyn FnMut(&[i32]) -> Option<PersonMask>;

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
