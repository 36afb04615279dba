//! The built-in demo: an animated mannequin doing slow hip hinges, drawn frame by frame, with no
//! camera and no model. The demo knows the pose it drew and hands it on ([`FrameSource::known_pose`]),
//! so everything after the pose stage (smoothing, form checks, cues) runs on it for real.
//! Everything that shows it labels it as a demo.

use std::time::{Duration, Instant};

use super::{FrameSource, SourceError, SourceInfo, SourceKind};
use crate::frame::Frame;
use crate::pose::skeleton::{BONES, Joint, Keypoint, Pose};

/// Demo frame size.
pub const DEMO_SIZE: (u32, u32) = (640, 480);
/// Demo frame rate.
pub const DEMO_FPS: f64 = 30.0;

/// Segment lengths of the mannequin in pixels (a person about 400 px tall).
struct Body {
    shank: f32,
    thigh: f32,
    trunk: f32,
    neck: f32,
    upper_arm: f32,
    forearm: f32,
}

const BODY: Body = Body { shank: 95.0, thigh: 100.0, trunk: 120.0, neck: 38.0, upper_arm: 60.0, forearm: 55.0 };

/// Joint angles of a side-view hinge, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HingeAngles {
    /// Trunk inclination from vertical, forward positive.
    pub trunk: f32,
    /// Knee flexion (0 = straight).
    pub knee: f32,
}

fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// The hinge cycle of the demo: stand 1.5 s, lower 2.5 s, pause 0.5 s, rise 2 s, stand 1.5 s (8 s).
#[must_use]
pub fn hinge_angles(t: f64) -> HingeAngles {
    let c = (t % 8.0) as f32;
    let depth = if c < 1.5 {
        0.0
    } else if c < 4.0 {
        smoothstep((c - 1.5) / 2.5)
    } else if c < 4.5 {
        1.0
    } else if c < 6.5 {
        1.0 - smoothstep((c - 4.5) / 2.0)
    } else {
        0.0
    };
    HingeAngles { trunk: 5.0 + 65.0 * depth, knee: 8.0 + 14.0 * depth }
}

fn dir(deg_from_vertical: f32) -> (f32, f32) {
    let r = deg_from_vertical.to_radians();
    (r.sin(), -r.cos())
}

fn add(p: (f32, f32), d: (f32, f32), len: f32) -> (f32, f32) {
    (p.0 + d.0 * len, p.1 + d.1 * len)
}

/// The mannequin's keypoints for the given angles, side view facing right, feet at `ground`.
#[must_use]
pub fn hinge_pose(a: HingeAngles, ankle_x: f32, ground: f32) -> Pose {
    let b = &BODY;
    // The shank leans forward by half the knee bend, the thigh back by the other half.
    let ankle = (ankle_x, ground - 8.0);
    let knee = add(ankle, dir(a.knee * 0.5), b.shank);
    let hip = add(knee, dir(-a.knee * 0.5), b.thigh);
    // Hips move back as the trunk tips forward, like a real hinge (the body's weight stays over the feet).
    let hip = (hip.0 - a.trunk * 0.9, hip.1);
    let knee = (knee.0 - a.trunk * 0.2, knee.1);
    let shoulder = add(hip, dir(a.trunk), b.trunk);
    let ear = add(shoulder, dir(a.trunk + 8.0), b.neck);
    let eye = add(ear, dir(a.trunk + 95.0), 14.0);
    let nose = add(eye, dir(a.trunk + 140.0), 10.0);
    // Arms hang from the shoulders.
    let elbow = add(shoulder, dir(175.0), b.upper_arm);
    let wrist = add(elbow, dir(170.0), b.forearm);
    let mut pose = Pose::default();
    let near = 0.9;
    let far = 0.6;
    let set = |pose: &mut Pose, j: Joint, p: (f32, f32), s: f32| pose.set(j, Keypoint::new(p.0, p.1, s));
    // The camera sees the left side; the right side is a few pixels behind it.
    let behind = |p: (f32, f32)| (p.0 - 6.0, p.1 - 3.0);
    for (l, r, p) in [
        (Joint::LeftEar, Joint::RightEar, ear),
        (Joint::LeftEye, Joint::RightEye, eye),
        (Joint::LeftShoulder, Joint::RightShoulder, shoulder),
        (Joint::LeftElbow, Joint::RightElbow, elbow),
        (Joint::LeftWrist, Joint::RightWrist, wrist),
        (Joint::LeftHip, Joint::RightHip, hip),
        (Joint::LeftKnee, Joint::RightKnee, knee),
        (Joint::LeftAnkle, Joint::RightAnkle, ankle),
    ] {
        set(&mut pose, l, p, near);
        set(&mut pose, r, behind(p), far);
    }
    set(&mut pose, Joint::Nose, nose, near);
    pose.set(Joint::RightEar, Keypoint::new(ear.0, ear.1, 0.2));
    pose
}

/// Draws the mannequin of `pose` on a plain room background, RGB8.
#[must_use]
pub fn render(pose: &Pose, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut px = vec![0u8; w * h * 3];
    let floor = (h as f32 * 0.9) as usize;
    for y in 0..h {
        let c: [u8; 3] = if y < floor { [222, 226, 230] } else { [170, 150, 128] };
        for x in 0..w {
            px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&c);
        }
    }
    let mut capsule = |a: Keypoint, b: Keypoint, r: f32, color: [u8; 3]| {
        let (x0, x1) = ((a.x.min(b.x) - r).max(0.0) as usize, ((a.x.max(b.x) + r) as usize).min(w - 1));
        let (y0, y1) = ((a.y.min(b.y) - r).max(0.0) as usize, ((a.y.max(b.y) + r) as usize).min(h - 1));
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px_, py_) = (x as f32 - a.x, y as f32 - a.y);
                let t = ((px_ * dx + py_ * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (px_ - t * dx, py_ - t * dy);
                if ex * ex + ey * ey <= r * r {
                    px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&color);
                }
            }
        }
    };
    let far_color = [60, 80, 120];
    let near_color = [70, 110, 170];
    // Far side first, then the trunk, then the near side on top.
    for (a, b) in BONES {
        if a.name().starts_with("right") && b.name().starts_with("right") {
            capsule(pose.get(a), pose.get(b), 11.0, far_color);
        }
    }
    let mid = |a: Joint, b: Joint| {
        let (p, q) = (pose.get(a), pose.get(b));
        Keypoint::new((p.x + q.x) / 2.0, (p.y + q.y) / 2.0, 1.0)
    };
    capsule(mid(Joint::LeftShoulder, Joint::RightShoulder), mid(Joint::LeftHip, Joint::RightHip), 24.0, [90, 130, 190]);
    for (a, b) in BONES {
        if a.name().starts_with("left") && b.name().starts_with("left") {
            capsule(pose.get(a), pose.get(b), 12.0, near_color);
        }
    }
    let head = pose.get(Joint::LeftEar);
    capsule(head, head, 24.0, [236, 200, 170]);
    px
}

/// The demo as a frame source: endless hinges at 30 fps, paced in real time when `paced` is set.
#[derive(Debug)]
pub struct DemoSource {
    info: SourceInfo,
    index: u64,
    started: Option<Instant>,
    last_pose: Pose,
    /// Stop after this many seconds (None = endless).
    pub limit_s: Option<f64>,
}

impl DemoSource {
    #[must_use]
    pub fn new(paced: bool) -> Self {
        Self {
            info: SourceInfo {
                kind: SourceKind::Demo,
                name: "Demo (simulated person, no camera)".into(),
                width: DEMO_SIZE.0,
                height: DEMO_SIZE.1,
                fps: Some(DEMO_FPS),
                duration_s: None,
                frame_count: None,
                stills: false,
                paced,
            },
            index: 0,
            started: None,
            last_pose: Pose::default(),
            limit_s: None,
        }
    }

    /// The pose shown at time `t`.
    #[must_use]
    pub fn pose_at(t: f64) -> Pose {
        hinge_pose(hinge_angles(t), DEMO_SIZE.0 as f32 * 0.55, DEMO_SIZE.1 as f32 * 0.9)
    }
}

impl FrameSource for DemoSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let t = self.index as f64 / DEMO_FPS;
        if self.limit_s.is_some_and(|l| t > l) {
            return Ok(None);
        }
        if self.info.paced {
            let start = *self.started.get_or_insert_with(Instant::now);
            let due = start + Duration::from_secs_f64(t);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let pose = Self::pose_at(t);
        let rgb = render(&pose, DEMO_SIZE.0, DEMO_SIZE.1);
        self.last_pose = pose;
        let f = Frame::new(self.index, t, DEMO_SIZE.0, DEMO_SIZE.1, rgb);
        self.index += 1;
        Ok(Some(f))
    }

    fn known_pose(&self, _frame: &Frame) -> Option<Pose> {
        Some(self.last_pose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_hinges_and_stays_in_frame() {
        let mut src = DemoSource::new(false);
        src.limit_s = Some(8.0);
        let mut max_trunk: f32 = 0.0;
        let mut n = 0;
        while let Some(f) = src.next_frame().unwrap() {
            let p = src.known_pose(&f).unwrap();
            for j in Joint::ALL {
                let k = p.get(j);
                assert!(
                    k.x >= 0.0 && k.x < f.width as f32 && k.y >= 0.0 && k.y < f.height as f32,
                    "{j:?} out of frame"
                );
            }
            let (s, hip) = (p.get(Joint::LeftShoulder), p.get(Joint::LeftHip));
            max_trunk = max_trunk.max((s.x - hip.x).atan2(hip.y - s.y).to_degrees());
            n += 1;
        }
        assert_eq!(n, 241);
        assert!((65.0..=75.0).contains(&max_trunk), "trunk peaks at {max_trunk}");
    }

    #[test]
    fn render_draws_the_body_where_the_pose_is() {
        let p = DemoSource::pose_at(0.0);
        let px = render(&p, DEMO_SIZE.0, DEMO_SIZE.1);
        let hip = p.get(Joint::LeftHip);
        let i = (hip.y as usize * DEMO_SIZE.0 as usize + hip.x as usize) * 3;
        assert_ne!(&px[i..i + 3], &[222, 226, 230], "the hip is painted, not background");
        assert_eq!(&px[0..3], &[222, 226, 230]);
    }
}
