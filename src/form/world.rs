//! The body in 3D: what the form engine takes from a model's world landmarks (BlazePose's
//! [`Body3d`]), and the one place where they and 2D keypoints become interchangeable.
//!
//! World landmarks are in metres, centred on the hips, with the frame's axes: x to the image's
//! right, y down, z away from the camera. An angle measured on them does not depend on where the
//! camera stands. The engine uses them in two ways:
//!
//! - **The view**: [`World::deviation`] is how far (degrees) the body is turned from the view the
//!   exercise needs, side-on (the person's left-right axis along the camera's axis) for the hinge
//!   and the bird dog, front-on (the chest's normal along it) for the side plank. The analyzer
//!   judges a view up to `CommonConfig::world_view_max_deg` (45°) from it as that view.
//!   [`World::turn_to_side`] is the same angle with a direction, for "turn about 30° to your left".
//!   The view gates only what needs the picture itself to show it (the hinge's dowel contacts and
//!   its few-degree lean-back check, see `hinge`): the analyzer counts reps and holds, and the
//!   rules measure every angle in the body's own planes, at any turn.
//! - **The pose the rules measure**: [`World::view_pose`] turns the body about the vertical axis
//!   until the camera would see exactly that view, and projects it into the frame at the person's
//!   own scale (orthographically: world landmarks carry no perspective). Every rule then measures
//!   on it as on a true side (or front) view in 2D, so its anatomical angles (trunk lean from
//!   vertical, hip and knee flexion, head-neck-trunk alignment, the ear-shoulder-hip-knee-ankle
//!   line, arm and leg elevation) are the world angles in the body's own plane, thresholds
//!   unchanged. A turn about the vertical changes none of them. The direct 3D measures below
//!   ([`World::trunk_lean`], [`World::flexion`], ...) are the same angles computed without the
//!   projection; the tests hold the two routes equal.
//!
//! **Visibility stays the model's**: a joint under the confidence floor is missing in the view pose
//! too (its world position is the model's guess), so a rule that needs a hidden joint refuses and
//! names it, as on 2D. Only the body's axes (left-right, hip to shoulder), which BlazePose's full
//! body model places whole, use a hidden partner: at least one of each pair must be seen.
//!
//! "Up" is `-y` in the world as in the image: the camera is upright (as [`super::geometry`] assumes).

use super::geometry::Pt;
use super::view::View;
use crate::pose::skeleton::{Body3d, Joint, Keypoint, Landmark, Pose};

/// A point or vector in world metres.
pub(crate) type V3 = [f32; 3];

/// Straight up in world coordinates (y points down).
#[cfg(test)]
const UP: V3 = [0.0, -1.0, 0.0];

fn sub3(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn add3(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn scale3(a: V3, k: f32) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn dot3(a: V3, b: V3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross3(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn norm3(a: V3) -> f32 {
    dot3(a, a).sqrt()
}

fn unit3(a: V3) -> Option<V3> {
    let n = norm3(a);
    (n > 1e-6).then(|| scale3(a, 1.0 / n))
}

/// Interior angle `a-b-c` at `b` in degrees (180 = straight); NaN if a segment is empty.
#[cfg(test)]
fn angle3(a: V3, b: V3, c: V3) -> f32 {
    match (unit3(sub3(a, b)), unit3(sub3(c, b))) {
        (Some(u), Some(v)) => dot3(u, v).clamp(-1.0, 1.0).acos().to_degrees(),
        _ => f32::NAN,
    }
}

/// The BlazePose landmark of a COCO joint.
#[must_use]
pub const fn landmark(j: Joint) -> Landmark {
    match j {
        Joint::Nose => Landmark::Nose,
        Joint::LeftEye => Landmark::LeftEye,
        Joint::RightEye => Landmark::RightEye,
        Joint::LeftEar => Landmark::LeftEar,
        Joint::RightEar => Landmark::RightEar,
        Joint::LeftShoulder => Landmark::LeftShoulder,
        Joint::RightShoulder => Landmark::RightShoulder,
        Joint::LeftElbow => Landmark::LeftElbow,
        Joint::RightElbow => Landmark::RightElbow,
        Joint::LeftWrist => Landmark::LeftWrist,
        Joint::RightWrist => Landmark::RightWrist,
        Joint::LeftHip => Landmark::LeftHip,
        Joint::RightHip => Landmark::RightHip,
        Joint::LeftKnee => Landmark::LeftKnee,
        Joint::RightKnee => Landmark::RightKnee,
        Joint::LeftAnkle => Landmark::LeftAnkle,
        Joint::RightAnkle => Landmark::RightAnkle,
    }
}

/// Joints whose image and world positions set the view pose's pixels per metre.
const SCALE_JOINTS: [Joint; 8] = [
    Joint::LeftShoulder,
    Joint::RightShoulder,
    Joint::LeftHip,
    Joint::RightHip,
    Joint::LeftKnee,
    Joint::RightKnee,
    Joint::LeftAnkle,
    Joint::RightAnkle,
];

/// One frame's world landmarks with the keypoints' visibility (the COCO pose filled from the same
/// landmarks).
#[derive(Debug, Clone, Copy)]
pub(crate) struct World<'a> {
    /// The model's 3D body.
    pub body: &'a Body3d,
    /// The image keypoints (pixels and visibility) of the same frame.
    pub pose: &'a Pose,
    /// Confidence floor.
    pub min_score: f32,
}

impl World<'_> {
    /// The joint's world position, seen or not (None when not finite).
    fn raw(&self, j: Joint) -> Option<V3> {
        let p = self.body.world(landmark(j));
        p.iter().all(|v| v.is_finite()).then_some(p)
    }

    fn seen(&self, j: Joint) -> bool {
        self.pose.visible(j, self.min_score).is_some()
    }

    /// The joint's world position if it is seen (visibility at or above the floor).
    #[must_use]
    pub fn pt(&self, j: Joint) -> Option<V3> {
        if self.seen(j) { self.raw(j) } else { None }
    }

    /// Midpoint of a left/right pair (named by its left variant), when at least one member is seen.
    fn pair_mid(&self, left_variant: Joint) -> Option<V3> {
        let r = left_variant.mirrored();
        if !(self.seen(left_variant) || self.seen(r)) {
            return None;
        }
        Some(scale3(add3(self.raw(left_variant)?, self.raw(r)?), 0.5))
    }

    /// The person's left-right axis, pointing to their left: left minus right, shoulders and hips.
    #[must_use]
    pub fn lateral(&self) -> Option<V3> {
        let mut v = [0.0; 3];
        let mut n = 0;
        for j in [Joint::LeftShoulder, Joint::LeftHip] {
            let r = j.mirrored();
            if (self.seen(j) || self.seen(r))
                && let (Some(a), Some(b)) = (self.raw(j), self.raw(r))
            {
                v = add3(v, sub3(a, b));
                n += 1;
            }
        }
        (n > 0).then_some(v).and_then(unit3)
    }

    /// The trunk's axis, hip centre to shoulder centre (unit).
    #[must_use]
    pub fn trunk(&self) -> Option<V3> {
        unit3(sub3(self.pair_mid(Joint::LeftShoulder)?, self.pair_mid(Joint::LeftHip)?))
    }

    /// The axis that points along the camera's axis in `view`: the left-right axis for a side
    /// view, the chest's normal for a front view.
    fn view_axis(&self, view: View) -> Option<V3> {
        let l = self.lateral()?;
        match view {
            View::Front => unit3(cross3(l, self.trunk()?)),
            View::Side | View::Unknown => Some(l),
        }
    }

    /// How far (degrees, 0..=90) the body is turned about the vertical from `view`: 0 = exactly
    /// side-on (front-on), 90 = the other view. None when the axis is near vertical (e.g. a
    /// side-lying body for a side view), where a turn about the vertical does not change it.
    #[must_use]
    pub fn deviation(&self, view: View) -> Option<f32> {
        let a = self.view_axis(view)?;
        let level = a[0].hypot(a[2]);
        (level >= 0.5).then(|| a[0].abs().atan2(a[2].abs()).to_degrees())
    }

    /// The turn (degrees about the vertical) that makes the person side-on to the camera: positive
    /// = to their left, negative = to their right; the smaller of the two turns that do it.
    #[must_use]
    pub fn turn_to_side(&self) -> Option<f32> {
        let l = self.lateral()?;
        let dev = self.deviation(View::Side)?;
        // Turning left sweeps the facing direction toward the left axis: it moves the left axis
        // toward the camera's axis when its sideways and depth components have the same sign.
        Some(if l[0] * l[2] > 0.0 { dev } else { -dev })
    }

    /// Pixels per metre of this frame: the image's spread of the body's big joints over the spread
    /// of their world positions on the image plane (BlazePose rotates its world landmarks back into
    /// the frame, so the two differ by scale and perspective only).
    fn pixels_per_metre(&self, image_centre: Pt) -> Option<f32> {
        let (mut img, mut world) = (0.0f32, 0.0f32);
        for j in SCALE_JOINTS {
            if let (Some(k), Some(w)) = (self.pose.visible(j, self.min_score), self.pt(j)) {
                img += (k.x - image_centre.0).hypot(k.y - image_centre.1);
                world += w[0].hypot(w[1]);
            }
        }
        (world > 0.05 && img > 1.0).then(|| img / world)
    }

    /// The pose the rules measure: the body turned about the vertical until the camera sees exactly
    /// `view`, projected orthographically into the frame, hips where the image shows them, at the
    /// person's scale in the image. Scores are the keypoints' own (hidden stays hidden). The
    /// smaller turn is taken, so the side nearer the camera stays nearer. None without the body's
    /// axes or the image hips.
    #[must_use]
    pub fn view_pose(&self, view: View) -> Option<Pose> {
        let a = self.view_axis(view)?;
        self.deviation(view)?;
        // Rotation about y by phi: x' = x cos(phi) - z sin(phi), which is 0 for the axis.
        let phi = if a[2].abs() < 1e-6 { std::f32::consts::FRAC_PI_2.copysign(a[0]) } else { (a[0] / a[2]).atan() };
        let (s, c) = phi.sin_cos();
        let hips: Vec<Pt> = [Joint::LeftHip, Joint::RightHip]
            .iter()
            .filter_map(|&j| self.pose.visible(j, self.min_score).map(|k| (k.x, k.y)))
            .collect();
        if hips.is_empty() {
            return None;
        }
        let n = hips.len() as f32;
        let centre = (hips.iter().map(|p| p.0).sum::<f32>() / n, hips.iter().map(|p| p.1).sum::<f32>() / n);
        let ppm = self.pixels_per_metre(centre)?;
        let mut pose = Pose::default();
        for j in Joint::ALL {
            let k = self.pose.get(j);
            let kp = match self.raw(j) {
                Some(w) => Keypoint::new(centre.0 + ppm * (w[0] * c - w[2] * s), centre.1 + ppm * w[1], k.score),
                None => Keypoint::new(centre.0, centre.1, 0.0),
            };
            pose.set(j, kp);
        }
        Some(pose)
    }
}

/// The rules' angles measured directly in 3D, without the projection: the reference the tests hold
/// [`World::view_pose`] to.
#[cfg(test)]
impl World<'_> {
    /// The person's facing direction, level (unit): the forward normal of their left-right axis.
    fn facing(&self) -> Option<V3> {
        unit3(cross3(self.lateral()?, UP))
    }

    /// Lean of the trunk (hip centre to shoulder centre) from vertical in the body's own plane
    /// (degrees): positive toward the facing direction, negative leaning back.
    #[must_use]
    pub fn trunk_lean(&self) -> Option<f32> {
        let t = sub3(self.pair_mid(Joint::LeftShoulder)?, self.pair_mid(Joint::LeftHip)?);
        let f = self.facing()?;
        Some(dot3(t, f).atan2(dot3(t, UP)).to_degrees())
    }

    /// The interior angle `a-b-c` at `b` on one side's joints (named by their left variants),
    /// all seen, in the body's own plane (its left-right axis taken out: flexion, not abduction);
    /// degrees, 180 = straight. Hip: shoulder-hip-knee; knee: hip-knee-ankle; shoulder (arm
    /// elevation): hip-shoulder-wrist.
    #[must_use]
    pub fn flexion(&self, side: super::view::Side, a: Joint, b: Joint, c: Joint) -> Option<f32> {
        let l = self.lateral()?;
        let flat = |p: V3| sub3(p, scale3(l, dot3(p, l)));
        let p = |j: Joint| self.pt(side.joint(j)).map(flat);
        let v = angle3(p(a)?, p(b)?, p(c)?);
        v.is_finite().then_some(v)
    }

    /// Head-neck-trunk alignment: the ear-shoulder-hip angle in the body's own plane (left-right
    /// axis taken out), signed as the
    /// hinge's head contact (180 = in line, below = head dropped toward the chest).
    #[must_use]
    pub fn head_trunk(&self, side: super::view::Side) -> Option<f32> {
        let sh = self.pt(side.joint(Joint::LeftShoulder))?;
        let hip = self.pt(side.joint(Joint::LeftHip))?;
        let ear = self.pt(side.joint(Joint::LeftEar))?;
        let l = self.lateral()?;
        let flat = |p: V3| sub3(p, scale3(l, dot3(p, l)));
        let u = unit3(flat(sub3(sh, hip)))?;
        // Dorsal: the trunk turned a right angle backwards in the body's plane (spanned by the
        // facing direction and up), as `spine::dorsal` does in the image.
        let f = self.facing()?;
        let n = unit3(sub3(scale3(UP, dot3(u, f)), scale3(f, dot3(u, UP))))?;
        let v = flat(sub3(ear, sh));
        Some(180.0 + dot3(v, n).atan2(dot3(v, u)).to_degrees())
    }

    /// The side plank's body line: the hip centre's offset from the line shoulder centre -> ankle
    /// centre, in torso lengths, positive = above the line (away from the floor), negative = below.
    #[must_use]
    pub fn body_line_offset(&self) -> Option<f32> {
        let s = self.pair_mid(Joint::LeftShoulder)?;
        let h = self.pair_mid(Joint::LeftHip)?;
        let a = self.pair_mid(Joint::LeftAnkle)?;
        let d = unit3(sub3(a, s))?;
        let torso = norm3(sub3(h, s));
        // The line's upward normal in the vertical plane through it.
        let up = unit3(sub3(UP, scale3(d, dot3(UP, d))))?;
        (torso > 1e-3).then(|| dot3(sub3(h, s), up) / torso)
    }

    /// Elevation of the segment `from -> to` above the level (degrees; 0 = level, 90 = straight
    /// up): a limb's height in the bird dog, the trunk's tilt.
    #[must_use]
    pub fn elevation(&self, from: Joint, to: Joint) -> Option<f32> {
        let v = sub3(self.pt(to)?, self.pt(from)?);
        let level = v[0].hypot(v[2]);
        Some(dot3(v, UP).atan2(level).to_degrees())
    }
}

/// What to say when a side view is needed: with the turn from [`World::turn_to_side`], which way
/// and about how far (to the nearest 5°, so the spoken cue's cache stays small).
#[must_use]
pub fn turn_hint(turn_deg: Option<f32>) -> String {
    match turn_deg {
        Some(d) if d.abs() >= 2.5 => {
            let n = ((d.abs() / 5.0).round() * 5.0).max(5.0);
            let way = if d > 0.0 { "left" } else { "right" };
            format!("Turn about {n:.0} degrees to your {way}, side-on to the camera.")
        }
        _ => "Turn side-on to the camera.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::config::FormConfig;
    use crate::form::geometry::{angle_at, body_line_offset, inclination_from_vertical, mid};
    use crate::form::view::{Body, Side};
    use crate::pose::skeleton::LANDMARK_COUNT;

    /// A body from points in its own frame (x forward, y down, z to its left), turned `yaw` degrees
    /// to its left about the vertical, with its image (400 px per metre) and every score `score(j)`.
    fn body(pts: &[(Joint, V3)], yaw: f32, score: impl Fn(Joint) -> f32) -> (Body3d, Pose) {
        let (sn, cs) = yaw.to_radians().sin_cos();
        let mut b = Body3d {
            image: [Keypoint::default(); LANDMARK_COUNT],
            presence: [1.0; LANDMARK_COUNT],
            world: [[f32::NAN; 3]; LANDMARK_COUNT],
        };
        let mut pose = Pose::default();
        for &(j, [x, y, z]) in pts {
            let w = [x * cs - z * sn, y, x * sn + z * cs];
            let k = Keypoint::new(600.0 + 400.0 * w[0], 400.0 + 400.0 * w[1], score(j));
            pose.set(j, k);
            b.image[landmark(j).index()] = k;
            b.world[landmark(j).index()] = w;
        }
        (b, pose)
    }

    /// Both sides of a sagittal figure: (left variant, point in the plane), half widths.
    fn sides(pts: &[(Joint, [f32; 2], f32)]) -> Vec<(Joint, V3)> {
        let mut v = vec![];
        for &(j, [x, y], w) in pts {
            v.push((j, [x, y, w]));
            if j != Joint::Nose {
                v.push((j.mirrored(), [x, y, -w]));
            }
        }
        v
    }

    fn dir(deg: f32, len: f32, down: bool) -> [f32; 2] {
        let r = deg.to_radians();
        [len * r.sin(), if down { len * r.cos() } else { -len * r.cos() }]
    }

    fn plus(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
        [a[0] + b[0], a[1] + b[1]]
    }

    /// A hinge: trunk `trunk` deg forward, thigh `thigh` deg forward of down, shank, neck flexion.
    fn hinge(trunk: f32, thigh: f32, shank: f32, neck: f32) -> Vec<(Joint, V3)> {
        let sh = dir(trunk, 0.5, false);
        let ear = plus(sh, dir(trunk + neck, 0.17, false));
        let knee = dir(thigh, 0.45, true);
        let ankle = plus(knee, dir(shank, 0.42, true));
        let elbow = plus(sh, [0.0, 0.3]);
        sides(&[
            (Joint::LeftShoulder, sh, 0.18),
            (Joint::LeftHip, [0.0, 0.0], 0.1),
            (Joint::LeftKnee, knee, 0.1),
            (Joint::LeftAnkle, ankle, 0.1),
            (Joint::LeftEar, ear, 0.075),
            (Joint::LeftEye, plus(ear, dir(trunk + neck + 90.0, 0.08, false)), 0.03),
            (Joint::LeftElbow, elbow, 0.2),
            (Joint::LeftWrist, plus(elbow, [0.0, 0.25]), 0.2),
            (Joint::Nose, plus(ear, dir(trunk + neck + 90.0, 0.12, false)), 0.0),
        ])
    }

    const YAWS: [f32; 6] = [0.0, 20.0, 30.0, 45.0, -30.0, -45.0];

    #[test]
    fn deviation_and_turn_follow_the_yaw() {
        for yaw in YAWS.into_iter().chain([60.0, -75.0]) {
            for trunk in [0.0, 60.0, 90.0] {
                let (b, pose) = body(&hinge(trunk, 10.0, -8.0, 0.0), yaw, |_| 0.9);
                let w = World { body: &b, pose: &pose, min_score: 0.3 };
                let d = w.deviation(View::Side).unwrap();
                assert!((d - yaw.abs()).abs() < 0.01, "yaw {yaw}, trunk {trunk}: {d}");
                // Turned to their left by `yaw`: the way back is to their right.
                let turn = w.turn_to_side().unwrap();
                assert!((turn + yaw).abs() < 0.01, "yaw {yaw}: turn {turn}");
                let front = w.deviation(View::Front);
                if trunk == 0.0 {
                    assert!((front.unwrap() - (90.0 - yaw.abs())).abs() < 0.01, "{front:?}");
                }
            }
        }
    }

    #[test]
    fn turn_hint_says_which_way_and_how_far() {
        assert_eq!(turn_hint(Some(32.0)), "Turn about 30 degrees to your left, side-on to the camera.");
        assert_eq!(turn_hint(Some(-43.0)), "Turn about 45 degrees to your right, side-on to the camera.");
        assert_eq!(turn_hint(Some(-3.0)), "Turn about 5 degrees to your right, side-on to the camera.");
        assert_eq!(turn_hint(Some(1.0)), "Turn side-on to the camera.");
        assert_eq!(turn_hint(None), "Turn side-on to the camera.");
    }

    /// The rules measure on the view pose what the world angles are, at every yaw.
    #[test]
    fn view_pose_gives_the_world_angles_at_any_yaw() {
        for yaw in YAWS {
            for (trunk, thigh, shank, neck) in
                [(0.0, 8.0, -8.0, 0.0), (60.0, 10.0, -8.0, 0.0), (80.0, 30.0, -20.0, 25.0)]
            {
                let (b, pose) = body(&hinge(trunk, thigh, shank, neck), yaw, |_| 0.9);
                let w = World { body: &b, pose: &pose, min_score: 0.3 };
                let vp = w.view_pose(View::Side).unwrap();
                let body = Body { pose: &vp, min_score: 0.3 };
                let p = |j: Joint| body.pt(j).unwrap();
                let (sh, hip, knee, ankle) =
                    (p(Joint::LeftShoulder), p(Joint::LeftHip), p(Joint::LeftKnee), p(Joint::LeftAnkle));
                let ctx = format!("yaw {yaw}, trunk {trunk}, thigh {thigh}, neck {neck}");
                // Trunk lean from vertical.
                let lean2 = inclination_from_vertical(hip, sh);
                assert!((lean2 - trunk).abs() < 0.05, "{ctx}: {lean2}");
                assert!((w.trunk_lean().unwrap() - trunk).abs() < 0.05, "{ctx}");
                // Hip and knee flexion.
                let hip3 = w.flexion(Side::Left, Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee).unwrap();
                assert!((hip3 - (180.0 - trunk - thigh)).abs() < 0.05, "{ctx}: {hip3}");
                assert!((angle_at(sh, hip, knee) - hip3).abs() < 0.05, "{ctx}");
                let knee3 = w.flexion(Side::Left, Joint::LeftHip, Joint::LeftKnee, Joint::LeftAnkle).unwrap();
                assert!((angle_at(hip, knee, ankle) - knee3).abs() < 0.05, "{ctx}");
                // Head-neck-trunk: the hinge's head angle on the view pose is the world one.
                let head3 = w.head_trunk(Side::Left).unwrap();
                assert!((head3 - (180.0 - neck)).abs() < 0.05, "{ctx}: {head3}");
                if trunk >= 15.0 {
                    let check = crate::form::spine_check(&vp, &FormConfig::default());
                    assert!(check.judged, "{ctx}: {check:?}");
                    assert!((check.head_deg.unwrap() - head3).abs() < 0.1, "{ctx}: {check:?}");
                }
                // The view pose is a side view: the shoulders and hips overlap.
                assert!(body.width_ratio().unwrap() < 0.05, "{ctx}");
            }
        }
    }

    #[test]
    fn body_line_and_limb_elevation_at_any_yaw() {
        // A side plank lying on the left side (left = down), head toward -x, hips `h` m above the
        // shoulder-ankle line; the chest faces the camera at yaw 0.
        for yaw in YAWS {
            for h in [0.0f32, 0.08, -0.06] {
                let pts = [
                    (Joint::LeftShoulder, [0.0, 0.0], 0.18),
                    (Joint::LeftHip, [0.5, -h], 0.1),
                    (Joint::LeftKnee, [0.95, -h / 2.0], 0.1),
                    (Joint::LeftAnkle, [1.37, 0.0], 0.1),
                    (Joint::LeftEar, [-0.17, 0.0], 0.075),
                    (Joint::LeftElbow, [0.0, 0.3], 0.0),
                ];
                // The body's own frame here: x along the body, y down, z = the left side's height
                // (down): lay z onto y so the left side is below the right one.
                let mut v = vec![];
                for &(j, [x, y], w) in &pts {
                    v.push((j, [x, y + w, 0.0]));
                    v.push((j.mirrored(), [x, y - w, 0.0]));
                }
                let (b, pose) = body(&v, yaw, |_| 0.9);
                let w = World { body: &b, pose: &pose, min_score: 0.3 };
                let d = w.deviation(View::Front).unwrap();
                assert!((d - yaw.abs()).abs() < 0.01, "yaw {yaw}: {d}");
                let torso = (0.25 + h * h).sqrt();
                let o3 = w.body_line_offset().unwrap();
                assert!((o3 - h / torso).abs() < 1e-3, "yaw {yaw}, h {h}: {o3}");
                let vp = w.view_pose(View::Front).unwrap();
                let bd = Body { pose: &vp, min_score: 0.3 };
                let m = |j: Joint| bd.mid_or_one(j).unwrap();
                let o2 = body_line_offset(m(Joint::LeftShoulder), m(Joint::LeftHip), m(Joint::LeftAnkle));
                assert!((o2 - o3).abs() < 1e-3, "yaw {yaw}, h {h}: {o2} vs {o3}");
                let _ = mid;
            }
        }
        // A bird dog's leg reaching 10 degrees above level, from any yaw.
        for yaw in YAWS {
            let leg = dir(-100.0, 0.45, true);
            let (b, pose) = body(
                &sides(&[
                    (Joint::LeftShoulder, [0.5, 0.0], 0.18),
                    (Joint::LeftHip, [0.0, 0.0], 0.1),
                    (Joint::LeftKnee, leg, 0.1),
                ]),
                yaw,
                |_| 0.9,
            );
            let w = World { body: &b, pose: &pose, min_score: 0.3 };
            let e = w.elevation(Joint::LeftHip, Joint::LeftKnee).unwrap();
            assert!((e - 10.0).abs() < 0.05, "yaw {yaw}: {e}");
        }
    }

    #[test]
    fn a_hidden_joint_stays_hidden_and_the_axes_need_one_of_each_pair() {
        let hidden = |j: Joint| if matches!(j, Joint::LeftEar | Joint::RightEar) { 0.1 } else { 0.9 };
        let (b, pose) = body(&hinge(60.0, 10.0, -8.0, 0.0), 30.0, hidden);
        let w = World { body: &b, pose: &pose, min_score: 0.3 };
        let vp = w.view_pose(View::Side).unwrap();
        assert!(vp.visible(Joint::LeftEar, 0.3).is_none() && vp.visible(Joint::RightEar, 0.3).is_none());
        assert!(w.head_trunk(Side::Left).is_none());
        let check = crate::form::spine_check(&vp, &FormConfig::default());
        assert_eq!(check.reason, Some("ears hidden"));
        // No shoulder seen at all: no left-right axis from the shoulders, the hips still give it.
        let no_sh = |j: Joint| if matches!(j, Joint::LeftShoulder | Joint::RightShoulder) { 0.1 } else { 0.9 };
        let (b, pose) = body(&hinge(60.0, 10.0, -8.0, 0.0), 30.0, no_sh);
        let w = World { body: &b, pose: &pose, min_score: 0.3 };
        assert!((w.deviation(View::Side).unwrap() - 30.0).abs() < 0.01);
        assert!(w.trunk().is_none());
    }
}
