//! A small kinematic stick-figure generator: joint angles over time -> 17 COCO keypoints in pixels,
//! seen from the side ([`SideFig`]) or from the front ([`FrontFig`]), with deterministic Gaussian
//! noise and dropped keypoints ([`sample`], [`record`]).
//!
//! The keypoints are what a pose model would report for such a body (near side confident, far side
//! less so, far ear nearly hidden), so the form engine can be driven without a model: the tests use
//! it for synthetic sequences, and the demo ([`super::demo`]) draws a mannequin from it. Figures are
//! built at [`TORSO`] pixels per torso length in a [`FRAME`]-sized image; [`fit`] moves and scales
//! a pose into another frame.
//!
//! ```
//! use formcheck::demo::figure::{SideFig, keys};
//! // A hinge to 60 degrees over 2 s, seen from the side.
//! let fig = |t: f64| SideFig { trunk: keys(t, &[(0.0, 0.0), (2.0, 60.0)]), ..SideFig::default() };
//! let pose = fig(1.0).pose();
//! assert!(pose.get(formcheck::pose::skeleton::Joint::LeftShoulder).score > 0.8);
//! ```

use crate::form::Side;
use crate::pose::skeleton::{Joint, Keypoint, Pose, PoseSample};

/// Torso length in pixels used by all generated figures.
pub const TORSO: f32 = 180.0;
/// Frame size the figures are placed in (and [`sample`] reports).
pub(crate) const FRAME: (u32, u32) = (1280, 720);
/// Frames per second of [`record`].
pub(crate) const FPS: f64 = 30.0;

/// Thigh (hip to knee), in torso lengths.
pub(crate) const THIGH: f32 = 0.85;
/// Shank (knee to ankle), in torso lengths.
pub(crate) const SHANK: f32 = 0.8;
/// Upper arm (shoulder to elbow), in torso lengths.
pub(crate) const UPPER_ARM: f32 = 0.55;
/// Forearm (elbow to wrist), in torso lengths.
pub(crate) const FOREARM: f32 = 0.5;
/// Neck (shoulder to ear), in torso lengths.
pub const NECK: f32 = 0.35;

/// Deterministic PRNG (xorshift64*), no crates: the same seed gives the same noise everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value, 0 included).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub(crate) fn gauss(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Noise model.
#[derive(Clone, Copy, Debug)]
pub struct Noise {
    /// Gaussian position noise (pixels, per coordinate).
    pub sigma_px: f32,
    /// Probability that a keypoint is dropped (low score) in a frame.
    pub drop_p: f64,
}

impl Default for Noise {
    fn default() -> Self {
        Self { sigma_px: 2.0, drop_p: 0.01 }
    }
}

/// Cosine-eased interpolation through keyframes `(t, value)` (times ascending, at least one);
/// clamps outside.
#[must_use]
pub fn keys(t: f64, k: &[(f64, f32)]) -> f32 {
    if t <= k[0].0 {
        return k[0].1;
    }
    for w in k.windows(2) {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        if t <= t1 {
            let u = if t1 > t0 { ((t - t0) / (t1 - t0)) as f32 } else { 1.0 };
            let e = (1.0 - (std::f32::consts::PI * u).cos()) / 2.0;
            return a + (b - a) * e;
        }
    }
    k[k.len() - 1].1
}

fn idx(s: Side) -> usize {
    match s {
        Side::Left => 0,
        Side::Right => 1,
    }
}

fn put(p: &mut Pose, j: Joint, pt: (f32, f32), score: f32) {
    p.set(j, Keypoint::new(pt.0, pt.1, score));
}

/// A figure in the sagittal plane, seen from the side. Angles in degrees.
/// Limb angles are measured from straight **down**, positive = toward the facing direction;
/// the trunk from straight **up**, positive = leaning forward.
#[derive(Clone, Copy, Debug)]
pub struct SideFig {
    /// Hip position in pixels.
    pub hip: (f32, f32),
    /// +1 = facing image right, -1 = left.
    pub facing: f32,
    /// The side nearer the camera (higher confidence).
    pub near: Side,
    /// Trunk (hip->shoulder) from vertical, + forward.
    pub trunk: f32,
    /// Thoracic rounding (deg): tips the head/neck forward with the upper back.
    pub thoracic: f32,
    /// Neck flexion (deg): + chin toward chest, - looking up.
    pub neck: f32,
    /// Thigh angles [left, right] from down, + forward.
    pub thigh: [f32; 2],
    /// Shank angles [left, right] from down, + forward.
    pub shank: [f32; 2],
    /// Upper arm angles [left, right] from down, + forward.
    pub upper_arm: [f32; 2],
    /// Forearm angles [left, right] from down, + forward.
    pub forearm: [f32; 2],
    /// Vertical offset of the far hip (torso lengths, + up): pelvis rotation.
    pub far_hip_up: f32,
    /// Shoulder shift down (torso lengths), e.g. a sagging upper back in quadruped.
    pub shoulder_drop: f32,
}

impl Default for SideFig {
    fn default() -> Self {
        Self {
            hip: (640.0, 380.0),
            facing: 1.0,
            near: Side::Left,
            trunk: 0.0,
            thoracic: 0.0,
            neck: 0.0,
            thigh: [8.0, 8.0],
            shank: [-8.0, -8.0],
            upper_arm: [0.0, 0.0],
            forearm: [0.0, 0.0],
            far_hip_up: 0.0,
            shoulder_drop: 0.0,
        }
    }
}

impl SideFig {
    fn dir_up(&self, a: f32, len: f32) -> (f32, f32) {
        let r = a.to_radians();
        (self.facing * r.sin() * len * TORSO, -r.cos() * len * TORSO)
    }
    fn dir_down(&self, a: f32, len: f32) -> (f32, f32) {
        let r = a.to_radians();
        (self.facing * r.sin() * len * TORSO, r.cos() * len * TORSO)
    }

    /// The 17 keypoints (near side score 0.9, far side 0.6, far side shifted slightly).
    #[must_use]
    pub fn pose(&self) -> Pose {
        let add = |a: (f32, f32), b: (f32, f32)| (a.0 + b.0, a.1 + b.1);
        let mut p = Pose::default();
        let hip = self.hip;
        let t = self.dir_up(self.trunk, 1.0);
        let sh = (hip.0 + t.0, hip.1 + t.1 + self.shoulder_drop * TORSO);
        let head_a = self.trunk + 0.6 * self.thoracic + self.neck;
        let ear = add(sh, self.dir_up(head_a, NECK));
        let face = self.dir_up(head_a + 90.0, 1.0);
        let up = self.dir_up(head_a, 1.0);
        let eye = (ear.0 + 0.10 * face.0 + 0.04 * up.0, ear.1 + 0.10 * face.1 + 0.04 * up.1);
        let nose = (ear.0 + 0.18 * face.0 - 0.03 * up.0, ear.1 + 0.18 * face.1 - 0.03 * up.1);
        let far_shift = (-self.facing * 0.03 * TORSO, -0.01 * TORSO);
        for side in [Side::Left, Side::Right] {
            let near = side == self.near;
            let score = if near { 0.9 } else { 0.6 };
            let shift = if near { (0.0, 0.0) } else { far_shift };
            let i = idx(side);
            let h = if near { hip } else { add(add(hip, shift), (0.0, -self.far_hip_up * TORSO)) };
            let s = add(sh, shift);
            let knee = add(h, self.dir_down(self.thigh[i], THIGH));
            let ankle = add(knee, self.dir_down(self.shank[i], SHANK));
            let elbow = add(s, self.dir_down(self.upper_arm[i], UPPER_ARM));
            let wrist = add(elbow, self.dir_down(self.forearm[i], FOREARM));
            put(&mut p, side.joint(Joint::LeftShoulder), s, score);
            put(&mut p, side.joint(Joint::LeftHip), h, score);
            put(&mut p, side.joint(Joint::LeftKnee), knee, score);
            put(&mut p, side.joint(Joint::LeftAnkle), ankle, score);
            put(&mut p, side.joint(Joint::LeftElbow), elbow, score);
            put(&mut p, side.joint(Joint::LeftWrist), wrist, score);
            put(&mut p, side.joint(Joint::LeftEar), add(ear, shift), if near { 0.85 } else { 0.2 });
            put(&mut p, side.joint(Joint::LeftEye), add(eye, shift), if near { 0.85 } else { 0.5 });
        }
        put(&mut p, Joint::Nose, nose, 0.9);
        p
    }

    /// The same movement seen from the front (camera facing the chest): the forward component
    /// points at the camera and vanishes; left and right spread across the image.
    #[must_use]
    pub fn front_pose(&self) -> Pose {
        let mut side = *self;
        side.facing = 1.0;
        let sp = side.pose();
        let mut p = Pose::default();
        let cx = self.hip.0;
        let widths = [
            (Joint::LeftShoulder, 0.65),
            (Joint::LeftHip, 0.5),
            (Joint::LeftKnee, 0.45),
            (Joint::LeftAnkle, 0.4),
            (Joint::LeftElbow, 0.8),
            (Joint::LeftWrist, 0.8),
            (Joint::LeftEar, 0.3),
            (Joint::LeftEye, 0.15),
        ];
        for (j, w) in widths {
            let y = sp.get(side.near.joint(j)).y;
            put(&mut p, j, (cx + w / 2.0 * TORSO, y), 0.9);
            put(&mut p, j.mirrored(), (cx - w / 2.0 * TORSO, y), 0.9);
        }
        put(&mut p, Joint::Nose, (cx, sp.get(Joint::Nose).y), 0.9);
        p
    }
}

/// A side plank (or lying / standing body) seen from the front. Distances in torso lengths.
#[derive(Clone, Copy, Debug)]
pub struct FrontFig {
    /// Shoulder midpoint (pixels).
    pub shoulder: (f32, f32),
    /// +1 = feet toward image right.
    pub dir: f32,
    /// Body axis (shoulder -> feet) below horizontal (deg); 90 = standing upright.
    pub incline: f32,
    /// The side that is down (supporting).
    pub lower: Side,
    /// Hip offset from the straight body line (torso lengths, + = up / pike, - = sag).
    pub hip_offset: f32,
    /// On the knees (shins bent back toward the camera's depth).
    pub knees: bool,
    /// Straight-arm (hand) support.
    pub hand: bool,
    /// Support point shifted along the body axis (torso lengths, + toward the feet).
    pub elbow_dx: f32,
    /// Head dropped toward the floor (deg).
    pub head_drop: f32,
    /// The supporting arm is under the shoulder (false: arm reaching overhead, lying flat).
    pub propped: bool,
}

impl Default for FrontFig {
    fn default() -> Self {
        Self {
            shoulder: (330.0, 300.0),
            dir: 1.0,
            incline: 12.0,
            lower: Side::Left,
            hip_offset: 0.0,
            knees: false,
            hand: false,
            elbow_dx: 0.0,
            head_drop: 0.0,
            propped: true,
        }
    }
}

impl FrontFig {
    /// The 17 keypoints (all scored 0.9: from the front both sides are in view).
    #[must_use]
    pub fn pose(&self) -> Pose {
        let r = self.incline.to_radians();
        let d = (self.dir * r.cos(), r.sin()); // shoulder -> feet
        // Normal pointing up on screen.
        let mut n = (-d.1, d.0);
        if n.1 > 0.0 {
            n = (-n.0, -n.1);
        }
        let at = |along: f32, up: f32| {
            (self.shoulder.0 + (d.0 * along + n.0 * up) * TORSO, self.shoulder.1 + (d.1 * along + n.1 * up) * TORSO)
        };
        let s = at(0.0, 0.0);
        let h = at(1.0, self.hip_offset);
        let (k, a) = if self.knees {
            // Thighs on the line, shins folded back out of the image plane (foreshortened).
            (at(1.0 + THIGH, self.hip_offset * 0.0), at(1.0 + THIGH + 0.25, -0.25))
        } else {
            (at(1.0 + THIGH, self.hip_offset * 0.5), at(1.0 + THIGH + SHANK, 0.0))
        };
        let hd = (180.0 + self.head_drop).to_radians();
        // Head: continue the line past the shoulder, rotated toward the floor by head_drop.
        let back = (-d.0, -d.1);
        let down = (-n.0, -n.1);
        let head = (
            s.0 + (back.0 * (-hd.cos()) + down.0 * (-hd.sin())) * NECK * TORSO * 1.2,
            s.1 + (back.1 * (-hd.cos()) + down.1 * (-hd.sin())) * NECK * TORSO * 1.2,
        );
        let mut p = Pose::default();
        let lower = self.lower;
        let upper = lower.other();
        let spread = |c: (f32, f32), w: f32, up: bool| {
            let k = if up { w / 2.0 } else { -w / 2.0 } * TORSO;
            (c.0 + n.0 * k, c.1 + n.1 * k)
        };
        for (j, c, w) in [
            (Joint::LeftShoulder, s, 0.65),
            (Joint::LeftHip, h, 0.5),
            (Joint::LeftKnee, k, 0.3),
            (Joint::LeftAnkle, a, 0.2),
            (Joint::LeftEar, head, 0.4),
            (Joint::LeftEye, head, 0.2),
        ] {
            put(&mut p, lower.joint(j), spread(c, w, false), 0.9);
            put(&mut p, upper.joint(j), spread(c, w, true), 0.9);
        }
        put(&mut p, Joint::Nose, head, 0.9);
        let ls = spread(s, 0.65, false);
        let (le, lw) = if !self.propped {
            (
                (ls.0 - d.0 * 0.55 * TORSO, ls.1 - d.1 * 0.55 * TORSO),
                (ls.0 - d.0 * 1.0 * TORSO, ls.1 - d.1 * 1.0 * TORSO),
            )
        } else if self.hand {
            let e = (ls.0 + d.0 * self.elbow_dx * TORSO * 0.5, ls.1 + 0.5 * TORSO);
            (e, (ls.0 + d.0 * self.elbow_dx * TORSO, ls.1 + 1.0 * TORSO))
        } else {
            let e = (ls.0 + self.dir * self.elbow_dx * TORSO, ls.1 + UPPER_ARM * TORSO);
            (e, (e.0 - self.dir * 0.3 * TORSO, e.1 + 0.03 * TORSO))
        };
        put(&mut p, lower.joint(Joint::LeftElbow), le, 0.9);
        put(&mut p, lower.joint(Joint::LeftWrist), lw, 0.9);
        // Top arm resting along the body.
        let us = spread(s, 0.65, true);
        put(&mut p, upper.joint(Joint::LeftElbow), (us.0 + d.0 * 0.5 * TORSO, us.1 + d.1 * 0.5 * TORSO), 0.9);
        put(&mut p, upper.joint(Joint::LeftWrist), (us.0 + d.0 * 0.95 * TORSO, us.1 + d.1 * 0.95 * TORSO), 0.9);
        p
    }
}

/// Turn a clean pose into a sample at time `t` with noise and random drops.
#[must_use]
pub fn sample(t: f64, pose: Pose, noise: Noise, rng: &mut Rng) -> PoseSample {
    let mut p = pose;
    for j in Joint::ALL {
        let mut k = p.get(j);
        k.x += (rng.gauss() as f32) * noise.sigma_px;
        k.y += (rng.gauss() as f32) * noise.sigma_px;
        if rng.uniform() < noise.drop_p {
            k.score = 0.05;
        }
        p.set(j, k);
    }
    PoseSample { t, frame_size: FRAME, present: true, pose: p, body: None }
}

/// Drop `joints` (score 0) in a pose.
#[must_use]
pub fn hide(mut pose: Pose, joints: &[Joint]) -> Pose {
    for &j in joints {
        let mut k = pose.get(j);
        k.score = 0.0;
        pose.set(j, k);
    }
    pose
}

/// Sample a movement `f(t)` at 30 fps from 0 to `dur` seconds.
pub fn record(dur: f64, seed: u64, noise: Noise, mut f: impl FnMut(f64) -> Pose) -> Vec<PoseSample> {
    let mut rng = Rng::new(seed);
    let n = (dur * FPS).round() as usize;
    (0..=n)
        .map(|i| {
            let t = i as f64 / FPS;
            sample(t, f(t), noise, &mut rng)
        })
        .collect()
}

/// Moves and scales a pose: the point `from` lands on `to`, and every distance is multiplied by
/// `scale` (e.g. a figure built at [`TORSO`] pixels per torso length into a smaller frame).
/// Scores are kept.
#[must_use]
pub(crate) fn fit(mut pose: Pose, scale: f32, from: (f32, f32), to: (f32, f32)) -> Pose {
    for j in Joint::ALL {
        let mut k = pose.get(j);
        k.x = to.0 + (k.x - from.0) * scale;
        k.y = to.1 + (k.y - from.1) * scale;
        pose.set(j, k);
    }
    pose
}

/// The plane a figure was drawn in, for [`with_world`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plane {
    /// A [`SideFig`] (the body's own plane faces the camera), facing `facing` (+1 image right).
    Side {
        /// +1 = facing image right, -1 = left.
        facing: f32,
    },
    /// A [`FrontFig`] (the camera faces the chest or the back): the body lies in the picture's
    /// plane.
    Front,
}

/// Half the body's width at each joint (metres) for [`with_world`]: shoulders 0.36 m apart, hips 0.2.
fn half_width(j: Joint) -> f32 {
    match j {
        Joint::Nose => 0.0,
        Joint::LeftEye | Joint::RightEye => 0.03,
        Joint::LeftEar | Joint::RightEar => 0.075,
        Joint::LeftShoulder | Joint::RightShoulder => 0.18,
        Joint::LeftElbow | Joint::RightElbow | Joint::LeftWrist | Joint::RightWrist => 0.2,
        _ => 0.1,
    }
}

/// The sample as a model with 3D world landmarks (BlazePose) would give it for the figure turned
/// `yaw_deg` about the vertical axis: positive = the person turned to their left.
///
/// The figure's picture is its own plane: a [`SideFig`] is given its body's width in depth (the
/// person's left side away from the camera when facing image right, as for a real body), a
/// [`FrontFig`] lies flat in the picture. The body is then turned about the vertical through the
/// hips and projected back into the frame (orthographically, at [`TORSO`] pixels per half metre),
/// with each keypoint's score kept; the world landmarks are that body in metres, centred on the
/// hips (x right, y down, z away from the camera). BlazePose's landmarks beyond COCO-17 (hands,
/// heels, feet, the face's corners) sit on their nearest COCO joint, hidden.
#[must_use]
pub fn with_world(sample: PoseSample, yaw_deg: f32, plane: Plane) -> PoseSample {
    use crate::pose::skeleton::{Body3d, LANDMARK_COUNT, Landmark as L};
    let p = sample.pose;
    let (lh, rh) = (p.get(Joint::LeftHip), p.get(Joint::RightHip));
    let hip = ((lh.x + rh.x) / 2.0, (lh.y + rh.y) / 2.0);
    let m = 0.5 / TORSO; // metres per pixel
    let (sn, cs) = yaw_deg.to_radians().sin_cos();
    let world_of = |j: Joint| -> [f32; 3] {
        let k = p.get(j);
        let (x, y) = ((k.x - hip.0) * m, (k.y - hip.1) * m);
        let left = if j.name().starts_with("left") {
            1.0
        } else if j.name().starts_with("right") {
            -1.0
        } else {
            0.0
        };
        let z = match plane {
            Plane::Side { facing } => facing * left * half_width(j),
            Plane::Front => 0.0,
        };
        [x * cs - z * sn, y, x * sn + z * cs]
    };
    let coco = |l: L| -> Joint {
        match l {
            L::Nose | L::MouthLeft | L::MouthRight => Joint::Nose,
            L::LeftEyeInner | L::LeftEye | L::LeftEyeOuter => Joint::LeftEye,
            L::RightEyeInner | L::RightEye | L::RightEyeOuter => Joint::RightEye,
            L::LeftEar => Joint::LeftEar,
            L::RightEar => Joint::RightEar,
            L::LeftShoulder => Joint::LeftShoulder,
            L::RightShoulder => Joint::RightShoulder,
            L::LeftElbow => Joint::LeftElbow,
            L::RightElbow => Joint::RightElbow,
            L::LeftWrist | L::LeftPinky | L::LeftIndex | L::LeftThumb => Joint::LeftWrist,
            L::RightWrist | L::RightPinky | L::RightIndex | L::RightThumb => Joint::RightWrist,
            L::LeftHip => Joint::LeftHip,
            L::RightHip => Joint::RightHip,
            L::LeftKnee => Joint::LeftKnee,
            L::RightKnee => Joint::RightKnee,
            L::LeftAnkle | L::LeftHeel | L::LeftFootIndex => Joint::LeftAnkle,
            L::RightAnkle | L::RightHeel | L::RightFootIndex => Joint::RightAnkle,
        }
    };
    let mut pose = Pose::default();
    for j in Joint::ALL {
        let w = world_of(j);
        put(&mut pose, j, (hip.0 + w[0] / m, hip.1 + w[1] / m), p.get(j).score);
    }
    let all = [
        L::Nose,
        L::LeftEyeInner,
        L::LeftEye,
        L::LeftEyeOuter,
        L::RightEyeInner,
        L::RightEye,
        L::RightEyeOuter,
        L::LeftEar,
        L::RightEar,
        L::MouthLeft,
        L::MouthRight,
        L::LeftShoulder,
        L::RightShoulder,
        L::LeftElbow,
        L::RightElbow,
        L::LeftWrist,
        L::RightWrist,
        L::LeftPinky,
        L::RightPinky,
        L::LeftIndex,
        L::RightIndex,
        L::LeftThumb,
        L::RightThumb,
        L::LeftHip,
        L::RightHip,
        L::LeftKnee,
        L::RightKnee,
        L::LeftAnkle,
        L::RightAnkle,
        L::LeftHeel,
        L::RightHeel,
        L::LeftFootIndex,
        L::RightFootIndex,
    ];
    let mut body = Body3d {
        image: [Keypoint::default(); LANDMARK_COUNT],
        presence: [1.0; LANDMARK_COUNT],
        world: [[0.0; 3]; LANDMARK_COUNT],
    };
    for l in all {
        let j = coco(l);
        let mut k = pose.get(j);
        if l.index() != crate::form::world_landmark(j).index() {
            k.score = 0.0;
        }
        body.image[l.index()] = k;
        body.world[l.index()] = world_of(j);
    }
    PoseSample { pose, body: Some(body), ..sample }
}
