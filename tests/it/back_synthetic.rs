//! The back contour, the virtual dowel and the real-dowel detector on drawn side-view hinges (no
//! model): a trunk as a thick band whose back edge has a known shape, a head disc, neck, arms and
//! legs. Each case checks the classification and that the measured gap is within 0.02 torso
//! lengths of the drawn one.

use formcheck::back::{
    BackAnalyzer, BackConfig, BackKeypoints, BackMethod, BackReading, ContactName, DowelDetector, PersonMask,
    Unreliable, dowel::paint_out_dowel, measure_back,
};
use formcheck::frame::Frame;
use formcheck::pose::crop::{CropRegion, crop_resize_into};
use formcheck::pose::skeleton::{Joint, Keypoint, Pose};

type P2 = [f32; 2];

fn add(a: P2, b: P2) -> P2 {
    [a[0] + b[0], a[1] + b[1]]
}
fn sub(a: P2, b: P2) -> P2 {
    [a[0] - b[0], a[1] - b[1]]
}
fn mul(a: P2, k: f32) -> P2 {
    [a[0] * k, a[1] * k]
}
fn dot(a: P2, b: P2) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}
fn norm(a: P2) -> f32 {
    dot(a, a).sqrt()
}

/// Distance from `p` to segment `a-b`.
fn seg_dist(p: P2, a: P2, b: P2) -> f32 {
    let ab = sub(b, a);
    let t = (dot(sub(p, a), ab) / dot(ab, ab)).clamp(0.0, 1.0);
    norm(sub(p, add(a, mul(ab, t))))
}

/// Shape of the back edge, as the dorsal offset from the straight sacrum-to-shoulder line
/// (torso lengths) along the trunk.
#[derive(Debug, Clone, Copy)]
enum Back {
    Flat,
    /// Bulges out by this much at mid-trunk (sine arch).
    Rounded(f32),
    /// Hollows in by this much at mid-trunk.
    Arched(f32),
}

impl Back {
    fn profile(self, s: f32) -> f32 {
        let s = s.clamp(0.0, 1.0);
        match self {
            Back::Flat => 0.0,
            Back::Rounded(a) => a * (std::f32::consts::PI * s).sin(),
            Back::Arched(a) => -a * (std::f32::consts::PI * s).sin(),
        }
    }
}

/// Dorsal half-thickness of the trunk and head radius (torso lengths): equal, so a neutral head's
/// back lies on the trunk line.
const H0: f32 = 0.22;
/// Shoulder to head centre (= ear) distance.
const NECK: f32 = 0.42;

/// A side-view hinge drawn in mask coordinates.
#[derive(Debug, Clone, Copy)]
struct Hinge {
    /// +1 facing image right, -1 left.
    facing: f32,
    /// Trunk inclination from vertical (deg).
    trunk_deg: f32,
    /// Torso length (mask px).
    torso: f32,
    hip: P2,
    back: Back,
    /// Head rotated toward the chest by this (deg), about the shoulder.
    head_drop_deg: f32,
    /// Hands behind the head with the elbow sticking out over the upper back (else arms hang).
    arm_up: bool,
    /// Holding a dowel the prescribed way: one hand behind the neck, the other at the small of the
    /// back with its elbow bent out behind, the upper arm over the back's outline (overrides `arm_up`).
    holding: bool,
}

impl Hinge {
    fn new(facing: f32, trunk_deg: f32, back: Back, head_drop_deg: f32) -> Self {
        // Place the hip so the figure stays in the 256 crop whatever the angle.
        let hip = [128.0 - facing * 40.0, 120.0 + 30.0 * (trunk_deg / 90.0 - 0.5).max(0.0)];
        Self { facing, trunk_deg, torso: 80.0, hip, back, head_drop_deg, arm_up: false, holding: false }
    }
    fn axis(&self) -> P2 {
        let th = self.trunk_deg.to_radians();
        [self.facing * th.sin(), -th.cos()]
    }
    /// Dorsal unit normal.
    fn dorsal(&self) -> P2 {
        let u = self.axis();
        mul([u[1], -u[0]], self.facing)
    }
    fn shoulder(&self) -> P2 {
        add(self.hip, mul(self.axis(), self.torso))
    }
    fn neck_dir(&self) -> P2 {
        let (u, n) = (self.axis(), self.dorsal());
        let f = self.head_drop_deg.to_radians();
        add(mul(u, f.cos()), mul(n, -f.sin()))
    }
    fn head_centre(&self) -> P2 {
        add(self.shoulder(), mul(self.neck_dir(), NECK * self.torso))
    }
    fn knee(&self) -> P2 {
        add(self.hip, [0.1 * self.facing * self.torso, 0.95 * self.torso])
    }
    fn ankle(&self) -> P2 {
        add(self.knee(), [0.0, 0.9 * self.torso])
    }
    /// The drawn signed offset of the back of the head from the trunk line (torso lengths): the
    /// head's radius equals the trunk's dorsal half-thickness, so it is the head centre's offset.
    fn head_offset(&self) -> f32 {
        dot(sub(self.head_centre(), self.hip), self.dorsal()) / self.torso
    }
    /// Shoulder, elbow and hand of each arm drawn.
    fn arms(&self) -> Vec<(P2, P2, P2)> {
        if !self.holding {
            let (elbow, hand) = self.arm();
            return vec![(self.shoulder(), elbow, hand)];
        }
        let t = self.torso;
        let (u, n) = (self.axis(), self.dorsal());
        // Both hands grip the dowel (which lies 0.05 behind the drawn flat back): the top one behind
        // the neck, its elbow up beside the head; the bottom one at the small of the back, its
        // elbow bent out behind, its upper arm across the back's outline.
        let on_dowel = |s: f32| add(self.hip, add(mul(u, s * t), mul(n, (H0 + 0.05) * t)));
        let top_elbow = add(self.shoulder(), add(mul(u, 0.35 * t), mul(n, -0.15 * t)));
        let low_shoulder = add(self.shoulder(), mul(n, -0.05 * t));
        let low_elbow = add(self.hip, add(mul(u, 0.45 * t), mul(n, (H0 + 0.3) * t)));
        vec![(self.shoulder(), top_elbow, on_dowel(1.25)), (low_shoulder, low_elbow, on_dowel(0.2))]
    }

    /// Elbow and hand.
    fn arm(&self) -> (P2, P2) {
        let t = self.torso;
        if self.arm_up {
            let (u, n) = (self.axis(), self.dorsal());
            (add(self.shoulder(), add(mul(u, -0.3 * t), mul(n, 0.45 * t))), self.head_centre())
        } else {
            let hand = add(self.shoulder(), [0.15 * self.facing * t, 0.8 * t]);
            (add(self.shoulder(), mul(sub(hand, self.shoulder()), 0.5)), hand)
        }
    }

    fn inside(&self, p: P2) -> bool {
        let t = self.torso;
        let (u, n) = (self.axis(), self.dorsal());
        let d = sub(p, self.hip);
        let (s, o) = (dot(d, u) / t, dot(d, n) / t);
        let trunk = (-0.12..=1.04).contains(&s) && o >= -0.2 && o <= H0 + self.back.profile(s);
        let head = norm(sub(p, self.head_centre())) <= H0 * t;
        let neck = seg_dist(p, self.shoulder(), self.head_centre()) <= 0.11 * t;
        let thigh = seg_dist(p, self.hip, self.knee()) <= 0.17 * t;
        let shin = seg_dist(p, self.knee(), self.ankle()) <= 0.12 * t;
        let arm = self
            .arms()
            .into_iter()
            .any(|(sh, elbow, hand)| seg_dist(p, sh, elbow) <= 0.08 * t || seg_dist(p, elbow, hand) <= 0.07 * t);
        trunk || head || neck || thigh || shin || arm
    }

    /// 256x256 mask (2x2 supersampled, so edges are soft) over `region`.
    fn mask(&self, region: CropRegion) -> PersonMask {
        let side = 256;
        let mut prob = vec![0.0f32; side * side];
        for y in 0..side {
            for x in 0..side {
                let mut n = 0;
                for (dx, dy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                    n += usize::from(self.inside([x as f32 + dx, y as f32 + dy]));
                }
                prob[y * side + x] = n as f32 / 4.0;
            }
        }
        PersonMask::new(side, prob, region)
    }

    /// Keypoints in source pixels for a mask over `region` (mask px -> source).
    fn keypoints(&self, region: CropRegion) -> BackKeypoints {
        let k = region.size / 256.0;
        let src = |p: P2| [region.x0 + p[0] * k, region.y0 + p[1] * k];
        let ear = self.head_centre();
        let face = add(mul(self.neck_dir(), 0.3), mul(self.dorsal(), -1.0));
        let nose = add(ear, mul(face, 0.18 * self.torso / norm(face)));
        BackKeypoints {
            hip: src(self.hip),
            shoulder: src(self.shoulder()),
            ear: Some(src(ear)),
            nose: Some(src(nose)),
            knee: Some(src(self.knee())),
            arms: {
                let a = self.arms();
                let kp = |i: usize| a.get(i).map_or([None; 3], |&(s, e, h)| [Some(src(s)), Some(src(e)), Some(src(h))]);
                [kp(0), kp(1)]
            },
            near_arm: None,
            width_ratio: None,
            torso_scale: None,
        }
    }
}

fn measure(h: &Hinge) -> BackReading {
    let region = CropRegion { x0: 100.0, y0: 40.0, size: 512.0 };
    let m = h.mask(region);
    measure_back(&m, &h.keypoints(region), None, &mut DowelDetector::new(), &BackConfig::default(), 0.0)
        .unwrap_or_else(|e| panic!("{h:?}: not judged: {e}"))
}

const TOL: f32 = 0.02;

fn cases() -> Vec<(f32, f32)> {
    let mut v = Vec::new();
    for facing in [1.0, -1.0] {
        for deg in [40.0, 70.0, 100.0] {
            v.push((facing, deg));
        }
    }
    v
}

#[test]
fn flat_back_with_head_in_line_is_clean() {
    for (facing, deg) in cases() {
        let h = Hinge::new(facing, deg, Back::Flat, 0.0);
        let r = measure(&h);
        let g = r.gaps;
        assert!(g.thoracic.abs() <= TOL, "{h:?}: thoracic {}", g.thoracic);
        assert!(g.lumbar_sag <= TOL && g.lumbar_bulge.abs() <= TOL, "{h:?}: lumbar {g:?}");
        let head = g.head.expect("head traced");
        assert!((head - h.head_offset()).abs() <= TOL, "{h:?}: head {head} vs drawn {}", h.head_offset());
        assert!(!r.rounded_back && !r.head_off_dowel && !r.arched_back, "{h:?}: {r:?}");
        assert_eq!(r.method, BackMethod::Contour);
        assert!(r.trunk_found > 0.95, "{h:?}: {}", r.trunk_found);
    }
}

#[test]
fn rounded_back_bulges_past_the_line() {
    for (facing, deg) in cases() {
        for a in [0.10f32, 0.18] {
            let h = Hinge::new(facing, deg, Back::Rounded(a), 10.0);
            let r = measure(&h);
            assert!((r.gaps.thoracic - a).abs() <= TOL, "{h:?}: thoracic {} vs drawn {a}", r.gaps.thoracic);
            assert!(r.rounded_back, "{h:?}: not flagged: {:?}", r.gaps);
            assert!(!r.head_off_dowel, "a rounded back's cue already names the head");
            assert!((r.thoracic_gap.unwrap() - a).abs() <= TOL);
        }
    }
}

#[test]
fn over_arched_back_sags_away_from_the_line() {
    for (facing, deg) in cases() {
        let a = 0.16;
        let h = Hinge::new(facing, deg, Back::Arched(a), 0.0);
        let r = measure(&h);
        assert!((r.gaps.lumbar_sag - a).abs() <= TOL, "{h:?}: sag {} vs drawn {a}", r.gaps.lumbar_sag);
        assert!(r.arched_back, "{h:?}: {:?}", r.gaps);
        assert!(!r.rounded_back, "{h:?}: an arched back is not rounded: {:?}", r.gaps);
        assert!(r.gaps.thoracic < 0.0, "the thoracic back hollows under the line too");
    }
}

#[test]
fn bowed_head_on_a_flat_back_is_head_off_not_rounded() {
    for (facing, deg) in cases() {
        let h = Hinge::new(facing, deg, Back::Flat, 30.0);
        let drawn = h.head_offset();
        assert!(drawn < -0.15, "the drawing drops the head: {drawn}");
        let r = measure(&h);
        let head = r.gaps.head.expect("head traced");
        assert!((head - drawn).abs() <= TOL, "{h:?}: head {head} vs drawn {drawn}");
        assert!(r.head_off_dowel, "{h:?}: {:?}", r.gaps);
        assert!(!r.rounded_back, "{h:?}: a bowed head is not a rounded back: {:?}", r.gaps);
        assert!(r.gaps.thoracic.abs() <= TOL);
        // The literal head-sacrum line would have called this rounded: the reason for the trunk line.
        assert!(r.gaps.thoracic_vs_head_line.unwrap() > 0.08, "{:?}", r.gaps);
    }
}

#[test]
fn head_pushed_back_is_head_off_too() {
    let h = Hinge::new(1.0, 60.0, Back::Flat, -25.0);
    let r = measure(&h);
    assert!((r.gaps.head.unwrap() - h.head_offset()).abs() <= TOL, "{:?} vs {}", r.gaps, h.head_offset());
    assert!(r.gaps.head.unwrap() > 0.08 && r.head_off_dowel && !r.rounded_back);
}

#[test]
fn keypoints_from_a_pose_pick_the_near_side_and_the_dorsal_side() {
    let h = Hinge::new(-1.0, 70.0, Back::Rounded(0.15), 0.0);
    let region = CropRegion { x0: 0.0, y0: 0.0, size: 256.0 };
    let kp = h.keypoints(region);
    let mut pose = Pose::default();
    let set = |pose: &mut Pose, j: Joint, p: [f32; 2], s: f32| pose.set(j, Keypoint::new(p[0], p[1], s));
    set(&mut pose, Joint::RightHip, kp.hip, 0.9);
    set(&mut pose, Joint::RightShoulder, kp.shoulder, 0.9);
    set(&mut pose, Joint::RightEar, kp.ear.unwrap(), 0.8);
    set(&mut pose, Joint::RightKnee, kp.knee.unwrap(), 0.8);
    set(&mut pose, Joint::Nose, kp.nose.unwrap(), 0.8);
    // The far side, weaker and a few pixels off (a profile: the pairs nearly overlap).
    set(&mut pose, Joint::LeftHip, add(kp.hip, [4.0, -3.0]), 0.4);
    set(&mut pose, Joint::LeftShoulder, add(kp.shoulder, [-5.0, 3.0]), 0.4);
    // The midline: in a profile, within a few pixels of the near joint.
    let picked = BackKeypoints::from_pose(&pose, 0.3).unwrap();
    assert!(norm(sub(picked.hip, kp.hip)) < 3.0 && norm(sub(picked.shoulder, kp.shoulder)) < 3.0, "{picked:?}");
    // Far side unseen: the near joint itself.
    let mut near_only = pose;
    near_only.set(Joint::LeftHip, Keypoint::new(0.0, 0.0, 0.1));
    assert_eq!(BackKeypoints::from_pose(&near_only, 0.3).unwrap().hip, kp.hip, "near side picked");
    let m = h.mask(region);
    let mut an = BackAnalyzer::new(BackConfig::default());
    let r = an.analyze(0.0, &m, &pose, 0.3, None).expect("judged");
    assert!((r.gaps.thoracic - 0.15).abs() <= TOL && r.rounded_back, "{:?}", r.gaps);
    // Overlay in source pixels, three contacts, the thoracic one lost.
    assert_eq!(r.overlay.contacts.len(), 3);
    let thor = r.overlay.contacts.iter().find(|c| c.name == ContactName::Thoracic).unwrap();
    assert!(!thor.ok);
    assert!(r.overlay.contour.len() > 80);
    let json = serde_json::to_string(&r.overlay).unwrap();
    assert!(json.contains("\"thoracic\""));
}

#[test]
fn an_elbow_over_the_upper_back_is_not_taken_for_the_back() {
    let mut h = Hinge::new(1.0, 60.0, Back::Flat, 0.0);
    h.arm_up = true;
    let region = CropRegion { x0: 0.0, y0: 0.0, size: 256.0 };
    let m = h.mask(region);
    let kp = h.keypoints(region);
    let e = measure_back(&m, &kp, None, &mut DowelDetector::new(), &BackConfig::default(), 0.0).unwrap_err();
    assert_eq!(e, Unreliable::ArmOnBack);
    // Turned toward the camera: not a profile.
    let turned = BackKeypoints { width_ratio: Some(0.5), ..kp };
    let e = measure_back(&m, &turned, None, &mut DowelDetector::new(), &BackConfig::default(), 0.0).unwrap_err();
    assert_eq!(e, Unreliable::NotProfile);
    // Without the arm keypoints the elbow would read as a rounded back: the gate is what saves it.
    let blind = BackKeypoints { arms: [[None; 3]; 2], ..kp };
    let r = measure_back(&m, &blind, None, &mut DowelDetector::new(), &BackConfig::default(), 0.0).unwrap();
    assert!(r.rounded_back, "{:?}", r.gaps);
    // The elbow placed short of where the arm lies (as a rough model does) and the wrist lost:
    // the arm's outline goes on past the stretch its keypoints hide, with a step where it starts,
    // which a back never makes.
    let mut short = kp;
    for arm in &mut short.arms {
        if let [Some(sh), Some(el), _] = *arm {
            *arm = [Some(sh), Some([sh[0] + 0.6 * (el[0] - sh[0]), sh[1] + 0.6 * (el[1] - sh[1])]), None];
        }
    }
    let e = measure_back(&m, &short, None, &mut DowelDetector::new(), &BackConfig::default(), 0.0).unwrap_err();
    assert_eq!(e, Unreliable::ArmOnBack);
}

#[test]
fn unreliable_masks_are_refused() {
    let h = Hinge::new(1.0, 60.0, Back::Flat, 0.0);
    let region = CropRegion { x0: 0.0, y0: 0.0, size: 256.0 };
    let kp = h.keypoints(region);
    let cfg = BackConfig::default();
    let mut det = DowelDetector::new();
    // Empty mask.
    let empty = PersonMask::new(256, vec![0.0; 256 * 256], region);
    assert_eq!(measure_back(&empty, &kp, None, &mut det, &cfg, 0.0).unwrap_err(), Unreliable::Area);
    // A blurred, speckled mask: the edge is ragged.
    let m = h.mask(region);
    let mut noisy = m.clone();
    let mut seed = 12345u32;
    for v in &mut noisy.prob {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let r = (seed >> 8) as f32 / (1u32 << 24) as f32;
        if r < 0.35 {
            *v = 1.0 - *v;
        }
    }
    let e = measure_back(&noisy, &kp, None, &mut det, &cfg, 0.0).unwrap_err();
    assert!(matches!(e, Unreliable::RaggedEdge | Unreliable::EdgeNotFound | Unreliable::AxisOutsideMask), "{e:?}");
    // The person cut by the crop: the back runs off the mask's edge.
    let mut cut = m.clone();
    for y in 0..256 {
        for x in 0..256 {
            if y < 110 {
                cut.prob[y * 256 + x] = 1.0;
            }
        }
    }
    assert!(measure_back(&cut, &kp, None, &mut det, &cfg, 0.0).is_err());
    // Consistency: a frame that jumps from the previous one is refused, the next steady one taken.
    let mut pose = Pose::default();
    for (j, p) in [(Joint::LeftHip, kp.hip), (Joint::LeftShoulder, kp.shoulder), (Joint::LeftEar, kp.ear.unwrap())] {
        pose.set(j, Keypoint::new(p[0], p[1], 0.9));
    }
    pose.set(Joint::LeftKnee, Keypoint::new(kp.knee.unwrap()[0], kp.knee.unwrap()[1], 0.9));
    let rounded = Hinge::new(1.0, 60.0, Back::Rounded(0.2), 0.0).mask(region);
    let mut an = BackAnalyzer::new(cfg);
    assert!(an.analyze(0.0, &m, &pose, 0.3, None).is_ok());
    assert_eq!(an.analyze(0.033, &rounded, &pose, 0.3, None).unwrap_err(), Unreliable::Inconsistent);
    assert!(an.analyze(0.066, &rounded, &pose, 0.3, None).is_ok());
}

// ---------------------------------------------------------------- real dowel

const BG: [u8; 3] = [110, 110, 115];
const BODY: [u8; 3] = [50, 45, 60];
const WOOD: [u8; 3] = [225, 190, 130];

/// An RGB frame of the drawn hinge (frame = mask coordinates), with a dowel of width 4 px from
/// `a` to `b` when given.
fn frame_with_dowel(h: &Hinge, dowel: Option<(P2, P2)>) -> Frame {
    let side = 256usize;
    let mut rgb = vec![0u8; side * side * 3];
    for y in 0..side {
        for x in 0..side {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let mut c = if h.inside(p) { BODY } else { BG };
            if let Some((a, b)) = dowel
                && seg_dist(p, a, b) <= 2.0
            {
                c = WOOD;
            }
            rgb[(y * side + x) * 3..(y * side + x) * 3 + 3].copy_from_slice(&c);
        }
    }
    Frame::new(0, 0.0, side as u32, side as u32, rgb)
}

/// A straight dowel lying on the drawn flat back: centre 2 px behind the back line, from below the
/// sacrum to past the head; rotated by `rot_deg` away from the back about the sacrum and shifted
/// `shift` torso lengths further back.
fn dowel_line(h: &Hinge, rot_deg: f32, shift: f32) -> (P2, P2) {
    let (u, n, t) = (h.axis(), h.dorsal(), h.torso);
    let base = add(h.hip, mul(n, H0 * t + 2.0 + shift * t));
    let r = rot_deg.to_radians();
    let d = add(mul(u, r.cos()), mul(n, r.sin()));
    (add(base, mul(d, -0.2 * t)), add(base, mul(d, 1.75 * t)))
}

fn read_with_frame(h: &Hinge, f: &Frame) -> BackReading {
    let region = CropRegion { x0: 0.0, y0: 0.0, size: 256.0 };
    let mut crop = Vec::new();
    crop_resize_into(f, &region, 256, &mut crop);
    let m = h.mask(region);
    measure_back(&m, &h.keypoints(region), Some(&crop), &mut DowelDetector::new(), &BackConfig::default(), 0.0)
        .expect("judged")
}

#[test]
fn a_dowel_on_the_back_is_found_with_three_contacts() {
    for (facing, deg) in [(1.0, 50.0), (-1.0, 75.0), (1.0, 95.0)] {
        let h = Hinge::new(facing, deg, Back::Flat, 0.0);
        let r = read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 0.0, 0.0))));
        let d = r.dowel.unwrap_or_else(|| panic!("{h:?}: dowel not found"));
        assert_eq!(r.method, BackMethod::Dowel);
        assert!(r.overlay.dowel_detected);
        assert!(d.coverage > 0.8, "{}", d.coverage);
        for c in [d.head, d.thoracic, d.sacrum] {
            let c = c.expect("contact judged");
            assert!(c.ok && c.gap.abs() <= TOL, "{h:?}: {d:?}");
        }
        assert!(!r.rounded_back && !r.head_off_dowel);
        // The end points lie on the drawn dowel.
        let (a, b) = dowel_line(&h, 0.0, 0.0);
        for e in d.ends {
            assert!(seg_dist(e, a, b) < 1.5, "{e:?} off the drawn dowel");
        }
    }
}

#[test]
fn a_dowel_moved_off_the_back_loses_contact() {
    let h = Hinge::new(1.0, 60.0, Back::Flat, 0.0);
    // Shifted back by 0.12: all three contacts lost, by about that much.
    let r = read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 0.0, 0.12))));
    let d = r.dowel.expect("dowel found");
    for c in [d.head, d.thoracic, d.sacrum] {
        let c = c.unwrap();
        assert!(!c.ok && (c.gap - 0.12).abs() <= TOL, "{d:?}");
    }
    assert!(r.rounded_back);
    // Tilted 10 degrees off the back about the sacrum: sacrum holds, thoracic and head lost.
    let r = read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 10.0, 0.0))));
    let d = r.dowel.expect("dowel found");
    assert!(d.sacrum.unwrap().ok, "{d:?}");
    assert!(!d.thoracic.unwrap().ok && !d.head.unwrap().ok, "{d:?}");
    // The thoracic contact is the nearest point of the zone (s = 0.45): gap 0.45 sin 10.
    let want = 0.45 * 10f32.to_radians().sin();
    assert!((d.thoracic.unwrap().gap - want).abs() <= TOL, "{} vs {want}", d.thoracic.unwrap().gap);
    let json = serde_json::to_string(&r.overlay).unwrap();
    assert!(json.contains("\"dowel_detected\":true"));
}

#[test]
fn a_bowed_head_under_a_real_dowel_is_head_off() {
    let h = Hinge::new(-1.0, 65.0, Back::Flat, 30.0);
    let r = read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 0.0, 0.0))));
    let d = r.dowel.expect("dowel found");
    assert!(d.sacrum.unwrap().ok && d.thoracic.unwrap().ok && !d.head.unwrap().ok, "{d:?}");
    assert!(r.head_off_dowel && !r.rounded_back);
}

/// Reads a drawn hinge with a drawn dowel (or none); `Err` when the mask refuses it.
fn try_read_with_frame(h: &Hinge, f: &Frame) -> Result<BackReading, Unreliable> {
    let region = CropRegion { x0: 0.0, y0: 0.0, size: 256.0 };
    let mut crop = Vec::new();
    crop_resize_into(f, &region, 256, &mut crop);
    measure_back(
        &h.mask(region),
        &h.keypoints(region),
        Some(&crop),
        &mut DowelDetector::new(),
        &BackConfig::default(),
        0.0,
    )
}

#[test]
fn a_dowel_held_the_prescribed_way_is_judged_where_the_back_is_seen() {
    // One hand behind the neck, the other at the small of the back with the elbow out behind: the
    // arm hides the outline over the lower back and part of the thoracic zone. Without a dowel the
    // mask cannot judge that back (arms over it); with one, each contact is judged where the
    // back is seen.
    for (facing, deg) in [(1.0, 45.0), (-1.0, 60.0), (1.0, 80.0)] {
        let mut h = Hinge::new(facing, deg, Back::Flat, 0.0);
        h.holding = true;
        let e = try_read_with_frame(&h, &frame_with_dowel(&h, None)).unwrap_err();
        assert_eq!(e, Unreliable::ArmOnBack, "{h:?}");
        let r = try_read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 0.0, 0.0))))
            .unwrap_or_else(|e| panic!("{h:?}: the held dowel was not judged: {e}"));
        let d = r.dowel.unwrap_or_else(|| panic!("{h:?}: the held dowel was not found"));
        assert_eq!(r.method, BackMethod::Dowel);
        let (sacrum, thoracic) = (d.sacrum.expect("sacrum judged"), d.thoracic.expect("thoracic judged"));
        assert!(sacrum.ok && sacrum.gap.abs() <= TOL, "{h:?}: {d:?}");
        assert!(thoracic.ok && thoracic.gap.abs() <= TOL, "{h:?}: {d:?}");
        assert!(!r.rounded_back, "{h:?}");
        // Tilted 10 degrees off the back about the sacrum: the thoracic contact is lost.
        let r = try_read_with_frame(&h, &frame_with_dowel(&h, Some(dowel_line(&h, 10.0, 0.0))))
            .unwrap_or_else(|e| panic!("{h:?}: the tilted dowel was not judged: {e}"));
        let d = r.dowel.unwrap_or_else(|| panic!("{h:?}: the tilted dowel was not found"));
        assert!(!d.thoracic.expect("thoracic judged").ok, "{h:?}: {d:?}");
        assert!(r.rounded_back, "{h:?}");
    }
}

#[test]
fn no_dowel_no_detection_even_on_a_straight_back() {
    for back in [Back::Flat, Back::Rounded(0.15)] {
        let h = Hinge::new(1.0, 60.0, back, 0.0);
        let r = read_with_frame(&h, &frame_with_dowel(&h, None));
        assert!(r.dowel.is_none(), "{back:?}: phantom dowel {:?}", r.dowel);
        assert_eq!(r.method, BackMethod::Contour);
    }
}

/// A near upper arm lying along the back (the elbow drawn back beside the trunk, as in a good
/// morning seen three-quarter on) covers the back's outline from the shoulder on, up to a whole
/// arm's width from its bone: the model's keypoints lie on the bone, which it places anywhere
/// across a limb seen lengthwise. A far arm lies behind the back and hides it only where it
/// reaches past it; an arm hanging from the bent trunk, or one along its front, does not lie
/// along the back at all. Which arm is near follows the way the person faces.
#[test]
fn an_upper_arm_along_the_back_hides_it_only_on_the_near_side() {
    let t = 100.0;
    let th = 60f32.to_radians();
    let hip = [200.0, 300.0];
    let u = [th.sin(), -th.cos()]; // hip -> shoulder, facing image-right
    let n = [u[1], -u[0]]; // dorsal
    let at = |s: f32, d: f32| add(hip, add(mul(u, s * t), mul(n, d * t)));
    let shoulder = at(1.0, 0.0);
    let elbow_back = at(0.4, 0.1);
    let kp = BackKeypoints {
        hip,
        shoulder,
        ear: Some(at(1.4, 0.0)),
        nose: Some(at(1.45, -0.15)),
        knee: Some(add(hip, [0.1 * t, 0.95 * t])),
        arms: [[None; 3], [Some(shoulder), Some(elbow_back), None]],
        near_arm: None,
        width_ratio: None,
        torso_scale: None,
    };
    assert_eq!(kp.with_near_arm().near_arm, Some(1), "facing image-right, the right arm is near");
    let dorsal = n;
    let deg = BackConfig::default().arm_along_back_deg;
    assert!(kp.upper_arm_along_back(shoulder, elbow_back, dorsal, deg));
    assert!(!kp.upper_arm_along_back(shoulder, add(shoulder, [0.0, 0.6 * t]), dorsal, deg), "a hanging arm");
    assert!(!kp.upper_arm_along_back(shoulder, at(0.4, -0.1), dorsal, deg), "an arm along the front");

    // The back's outline near the shoulder, 0.28 torso lengths from the upper arm's bone: within a
    // whole arm's width (2 x arm_radius) of it, beyond half of it.
    let r = BackConfig::default().arm_radius * t;
    let outline = at(0.85, 0.3);
    assert!(kp.on_arm(outline, r, deg), "near arm along the back: its outline is the arm's");
    assert!(kp.with_near_arm().on_arm(outline, r, deg));
    let far = BackKeypoints { near_arm: Some(0), ..kp };
    assert!(!far.on_arm(outline, r, deg), "a far arm behind the back does not hide it there");
    let hanging = BackKeypoints { arms: [[None; 3], [Some(shoulder), Some(at(0.55, -0.5)), None]], ..kp };
    assert!(!hanging.on_arm(outline, r, deg));

    // Mirrored (facing image-left): the left arm is near.
    let mirror = |p: P2| [400.0 - p[0], p[1]];
    let left = BackKeypoints {
        hip: mirror(hip),
        shoulder: mirror(shoulder),
        ear: kp.ear.map(mirror),
        nose: kp.nose.map(mirror),
        knee: kp.knee.map(mirror),
        arms: [[Some(mirror(shoulder)), Some(mirror(elbow_back)), None], [None; 3]],
        ..kp
    };
    assert_eq!(left.with_near_arm().near_arm, Some(0), "facing image-left, the left arm is near");
    assert!(left.with_near_arm().on_arm(mirror(outline), r, deg));
}

/// Painting a found dowel out of the crop: every pixel of the dowel's band takes the colour just
/// beyond it on the back's far (dorsal) side, and nothing outside the band changes.
#[test]
fn a_painted_out_dowel_leaves_the_background_beyond_it() {
    let side = 64;
    // Background grey 200 above y = 30 (dorsal: up), the body (grey 90) below; a dark dowel
    // (grey 20) along y = 30..=33 from x = 10 to 50, resting on the body.
    let px = |x: usize, y: usize| {
        let v = if (30..=33).contains(&y) && (10..=50).contains(&x) {
            20
        } else if y < 32 {
            200 + (x % 5) as i32 // a slightly textured background
        } else {
            90
        };
        [v, v, v]
    };
    let mut crop: Vec<i32> = (0..side * side).flat_map(|i| px(i % side, i / side)).collect();
    let before = crop.clone();
    paint_out_dowel(&mut crop, side, [[10.5, 32.0], [50.5, 32.0]], [0.0, -1.0], 2.0);
    let at = |c: &[i32], x: usize, y: usize| c[(y * side + x) * 3];
    for y in 0..side {
        for x in 0..side {
            let (a, o) = (x as f32 + 0.5 - 10.5, y as f32 + 0.5 - 32.0);
            let in_band = (-3.0..=43.0).contains(&a) && o.abs() <= 3.5;
            if in_band {
                let beyond = at(&before, x.clamp(10, 50), 27);
                assert_eq!(at(&crop, x, y), beyond, "({x},{y}) in the band takes the colour beyond the dowel");
            } else {
                assert_eq!(at(&crop, x, y), at(&before, x, y), "({x},{y}) outside the band is untouched");
            }
        }
    }
    assert!((0..side).all(|x| (0..side).all(|y| at(&crop, x, y) != 20)), "no dowel pixel is left");
}
