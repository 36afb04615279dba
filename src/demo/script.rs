//! The demo's script: the poses the mannequin takes over time, for each exercise.

use super::figure::{self, FrontFig, SideFig, keys};
use crate::form::{Exercise, FaultId, Side};
use crate::pose::skeleton::{Joint, Keypoint, Pose};

/// Demo frame size.
pub(crate) const DEMO_SIZE: (u32, u32) = (640, 480);
/// Demo frame rate.
pub(crate) const DEMO_FPS: f64 = 30.0;
/// The floor line of the demo's room (pixels from the top).
pub(crate) const FLOOR_Y: f32 = DEMO_SIZE.1 as f32 * 0.9;
/// Torso length (pixels) of the mannequins drawn from [`figure`] (bird dog, side plank).
pub(crate) const DEMO_TORSO: f32 = 120.0;
/// Radius of a drawn limb: the lowest joint of a figure rests this far above the floor line.
pub(crate) const LIMB_R: f32 = 12.0;

/// Hinge and bird dog: seconds in the start position (standing tall, on hands and knees) before the
/// first rep, so the setup check can pass before anything is counted.
pub const LEAD_IN_S: f64 = 2.0;
/// Reps in a set (hinge, bird dog): the script loops over one set, one rep of which is faulty.
pub const SET_REPS: u32 = 6;

/// Hinge: one rep, standing to standing (see [`hinge_angles`]).
pub const HINGE_REP_S: f64 = 8.0;
/// Hinge: the rep of each set (0-based) done looking up at the screen.
pub const HINGE_FAULTY_REP: u32 = 3;
/// Hinge: the fault the engine sees in that rep.
pub const HINGE_FAULT: FaultId = FaultId::HeadOffDowel;
/// Hinge: how far the head tips back at the bottom of the faulty rep (deg). The dowel-line proxy
/// allows 15 degrees either way; the head sits 8 degrees forward when in line.
const HINGE_HEAD_LIFT_DEG: f32 = 45.0;

/// Bird dog: arm and opposite leg reach out to level in this long (s).
pub(crate) const BIRD_DOG_LIFT_S: f64 = 1.2;
/// Bird dog: hold at full reach (s).
pub const BIRD_DOG_HOLD_S: f64 = 2.0;
/// Bird dog: return to hands and knees (s).
pub(crate) const BIRD_DOG_RETURN_S: f64 = 1.2;
/// Bird dog: rest on hands and knees before the next rep (s).
pub(crate) const BIRD_DOG_REST_S: f64 = 2.0;
/// Bird dog: one rep (s).
pub const BIRD_DOG_REP_S: f64 = BIRD_DOG_LIFT_S + BIRD_DOG_HOLD_S + BIRD_DOG_RETURN_S + BIRD_DOG_REST_S;
/// Bird dog: the rep of each set (0-based) whose leg reaches high.
pub const BIRD_DOG_FAULTY_REP: u32 = 4;
/// Bird dog: the fault the engine sees in that rep.
pub const BIRD_DOG_FAULT: FaultId = FaultId::ReachHigh;

/// Side plank: lying propped on the forearm, hips down, before each lift (s).
pub(crate) const PLANK_LIE_S: f64 = 3.0;
/// Side plank: hips up into the plank line (s).
pub(crate) const PLANK_LIFT_S: f64 = 0.6;
/// Side plank: one hold, from hips up to hips lowering (s).
pub const PLANK_HOLD_S: f64 = 24.0;
/// Side plank: hips back down to the floor (s).
pub(crate) const PLANK_LOWER_S: f64 = 0.4;
/// Side plank: turning over to the other side (s).
pub(crate) const PLANK_TURN_S: f64 = 5.0;
/// Side plank: rest lying on the right side after its hold, before turning back (s).
pub(crate) const PLANK_REST_S: f64 = 3.0;
/// Side plank: the hips sag below the line for this long (s) in the first (left) hold...
pub const PLANK_SAG_S: f64 = 2.0;
/// ... starting this long after the hips came up.
pub(crate) const PLANK_SAG_AT_S: f64 = 12.0;

/// Seconds in the start position before the script's loop begins (the side plank's loop begins
/// lying down itself).
#[must_use]
pub fn lead_in_s(exercise: Exercise) -> f64 {
    match exercise {
        Exercise::Hinge | Exercise::BirdDog => LEAD_IN_S,
        Exercise::SidePlank => 0.0,
    }
}

/// Length of one loop of the script (s): a set of reps, or both sides of the side plank.
#[must_use]
pub fn cycle_s(exercise: Exercise) -> f64 {
    match exercise {
        Exercise::Hinge => f64::from(SET_REPS) * HINGE_REP_S,
        Exercise::BirdDog => f64::from(SET_REPS) * BIRD_DOG_REP_S,
        Exercise::SidePlank => 2.0 * PLANK_SIDE_S + 2.0 * PLANK_TURN_S + PLANK_REST_S,
    }
}

/// Time into the loop and the loop's rep number (None during the lead-in).
fn rep_time(t: f64, rep_s: f64) -> Option<(u64, f64)> {
    let u = t - LEAD_IN_S;
    if u < 0.0 {
        return None;
    }
    let u = u % (f64::from(SET_REPS) * rep_s);
    Some(((u / rep_s) as u64, u % rep_s))
}

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
pub(crate) struct HingeAngles {
    /// Trunk inclination from vertical, forward positive.
    pub trunk: f32,
    /// Knee flexion (0 = straight).
    pub knee: f32,
    /// Head tipped back from its line with the trunk (deg; looking up).
    pub head_lift: f32,
}

fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// The hinge cycle of the demo: stand 1.5 s, lower 2.5 s, pause 0.5 s, rise 2 s, stand 1.5 s (8 s).
#[must_use]
pub(crate) fn hinge_angles(t: f64) -> HingeAngles {
    let c = (t % HINGE_REP_S) as f32;
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
    HingeAngles { trunk: 5.0 + 65.0 * depth, knee: 8.0 + 14.0 * depth, head_lift: 0.0 }
}

/// The hinge script at time `t`: standing through the lead-in, then sets of [`SET_REPS`] reps,
/// rep [`HINGE_FAULTY_REP`] looking up more the deeper it goes.
#[must_use]
pub(crate) fn hinge_script(t: f64) -> HingeAngles {
    let Some((rep, c)) = rep_time(t, HINGE_REP_S) else { return hinge_angles(0.0) };
    let mut a = hinge_angles(c);
    if rep == u64::from(HINGE_FAULTY_REP) {
        a.head_lift = HINGE_HEAD_LIFT_DEG * (a.trunk - 5.0) / 65.0;
    }
    a
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
pub(crate) fn hinge_pose(a: HingeAngles, ankle_x: f32, ground: f32) -> Pose {
    let b = &BODY;
    // The shank leans forward by half the knee bend, the thigh back by the other half.
    let ankle = (ankle_x, ground - 8.0);
    let knee = add(ankle, dir(a.knee * 0.5), b.shank);
    let hip = add(knee, dir(-a.knee * 0.5), b.thigh);
    // Hips move back as the trunk tips forward, like a real hinge (the body's weight stays over the feet).
    let hip = (hip.0 - a.trunk * 0.6, hip.1);
    let knee = (knee.0 - a.trunk * 0.2, knee.1);
    let shoulder = add(hip, dir(a.trunk), b.trunk);
    let head = a.trunk - a.head_lift;
    let ear = add(shoulder, dir(head + 8.0), b.neck);
    let eye = add(ear, dir(head + 95.0), 14.0);
    let nose = add(eye, dir(head + 140.0), 10.0);
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

/// Scale from [`figure`]'s pixels to the demo's.
const FIG_SCALE: f32 = DEMO_TORSO / figure::TORSO;

/// Scales a figure's pose into the demo frame, puts the point `anchor` (figure pixels) at
/// `x` and rests the lowest joint on the floor.
fn place(pose: Pose, anchor: (f32, f32), x: f32) -> Pose {
    let p = figure::fit(pose, FIG_SCALE, anchor, (x, 0.0));
    let lowest = Joint::ALL.iter().map(|&j| p.get(j).y).fold(f32::MIN, f32::max);
    figure::fit(p, 1.0, (0.0, lowest), (0.0, FLOOR_Y - LIMB_R))
}

/// Where the bird dog's hip is drawn (x, pixels): the whole reach stays in the frame.
const BIRD_DOG_HIP_X: f32 = 295.0;

/// The bird dog script at time `t` (side view, left side to the camera, facing right).
#[must_use]
pub(crate) fn bird_dog_script(t: f64) -> Pose {
    // Joint angles (figure convention: limbs from straight down, + forward).
    const REST_THIGH: f32 = 0.0;
    const REST_SHANK: f32 = -90.0;
    const REST_ARM: f32 = 0.0;
    // Level with the trunk (80 degrees from vertical: shoulders a little above the hips).
    const REACH_LEG: f32 = -80.0;
    const REACH_ARM: f32 = 100.0;
    // Reaching high: the leg 25 degrees above the trunk line (the engine allows 15).
    const HIGH_LEG: f32 = -105.0;
    let mut fig = SideFig {
        hip: (0.0, 0.0),
        trunk: 80.0,
        thigh: [REST_THIGH; 2],
        shank: [REST_SHANK; 2],
        upper_arm: [REST_ARM; 2],
        forearm: [REST_ARM; 2],
        ..SideFig::default()
    };
    if let Some((rep, c)) = rep_time(t, BIRD_DOG_REP_S) {
        let leg = if rep.is_multiple_of(2) { Side::Left } else { Side::Right };
        let (l, a) = match leg {
            Side::Left => (0, 1),
            Side::Right => (1, 0),
        };
        let hold_end = BIRD_DOG_LIFT_S + BIRD_DOG_HOLD_S;
        let e = keys(c, &[(0.0, 0.0), (BIRD_DOG_LIFT_S, 1.0), (hold_end, 1.0), (hold_end + BIRD_DOG_RETURN_S, 0.0)]);
        let reach = if rep == u64::from(BIRD_DOG_FAULTY_REP) { HIGH_LEG } else { REACH_LEG };
        fig.thigh[l] = REST_THIGH + (reach - REST_THIGH) * e;
        fig.shank[l] = REST_SHANK + (reach - REST_SHANK) * e;
        fig.upper_arm[a] = REST_ARM + (REACH_ARM - REST_ARM) * e;
        fig.forearm[a] = fig.upper_arm[a];
    }
    place(fig.pose(), fig.hip, BIRD_DOG_HIP_X)
}

/// Side plank: the hips this far (torso lengths) below the body line while lying propped.
const PLANK_DOWN: f32 = -0.45;
/// Side plank: the hips this far below the line while sagging (the engine allows 0.10).
const PLANK_SAG: f32 = -0.22;
/// Side plank: body line below horizontal while propped (deg).
const PLANK_INCLINE: f32 = 12.0;
/// Side plank: the body upright (deg) halfway through turning over; not quite 90, where the
/// figure's left and right would swap sides.
const PLANK_UPRIGHT: f32 = 88.0;
/// Where the plank's hips are drawn (x, pixels) on the left side; the right side mirrors it.
const PLANK_HIP_X: f32 = 350.0;
/// One side of the side plank: lie, lift, hold, lower (s).
const PLANK_SIDE_S: f64 = PLANK_LIE_S + PLANK_LIFT_S + PLANK_HOLD_S + PLANK_LOWER_S;

/// The side-plank figure lying or planking on `lower` (facing the camera), hips `offset` from the
/// line, upright by `incline`, hips drawn at `hip_x`. `upright` (0..=1) turns the supporting arm
/// from the forearm prop into a straight arm, which hangs by the side when standing.
fn plank_pose(lower: Side, offset: f32, incline: f32, hip_x: f32, upright: f32) -> Pose {
    // Facing the camera, the left side is down when the head is on the image's right.
    let dir = match lower {
        Side::Left => -1.0,
        Side::Right => 1.0,
    };
    let fig = FrontFig { shoulder: (0.0, 0.0), dir, incline, lower, hip_offset: offset, ..FrontFig::default() };
    let mut pose = fig.pose();
    if upright > 0.0 {
        let hanging = FrontFig { hand: true, ..fig }.pose();
        for j in Joint::ALL {
            let (a, b) = (pose.get(j), hanging.get(j));
            pose.set(j, Keypoint::new(a.x + (b.x - a.x) * upright, a.y + (b.y - a.y) * upright, a.score));
        }
    }
    let r = incline.to_radians();
    // The point of the body line level with the hips.
    let hip_line = (dir * r.cos() * figure::TORSO, r.sin() * figure::TORSO);
    place(pose, hip_line, hip_x)
}

fn plank_hip_x(lower: Side) -> f32 {
    match lower {
        Side::Left => PLANK_HIP_X,
        Side::Right => DEMO_SIZE.0 as f32 - PLANK_HIP_X,
    }
}

/// One side: lie, lift, hold (with the sag when `sag`), lower; `c` from the start of the side.
fn plank_side(lower: Side, c: f64, sag: bool) -> Pose {
    let up = PLANK_LIE_S + PLANK_LIFT_S;
    let down = up + PLANK_HOLD_S;
    let mut offset = keys(c, &[(PLANK_LIE_S, PLANK_DOWN), (up, 0.0), (down, 0.0), (down + PLANK_LOWER_S, PLANK_DOWN)]);
    if sag {
        let s = up + PLANK_SAG_AT_S;
        let ramp = 0.3;
        offset +=
            keys(c, &[(s, 0.0), (s + ramp, PLANK_SAG), (s + PLANK_SAG_S - ramp, PLANK_SAG), (s + PLANK_SAG_S, 0.0)]);
    }
    plank_pose(lower, offset, PLANK_INCLINE, plank_hip_x(lower), 0.0)
}

/// Turning over from lying on `from` to lying on `to`, facing the camera: up to upright, then
/// down on the other side; `c` from the start of the turn.
fn plank_turn(from: Side, to: Side, c: f64) -> Pose {
    let settle = 0.5;
    let mid = PLANK_TURN_S / 2.0;
    let mid_x = DEMO_SIZE.0 as f32 / 2.0;
    let (lower, e, x0) = if c < mid {
        (from, keys(c, &[(settle, 0.0), (mid, 1.0)]), plank_hip_x(from))
    } else {
        (to, keys(c, &[(mid, 1.0), (PLANK_TURN_S - settle, 0.0)]), plank_hip_x(to))
    };
    let incline = PLANK_INCLINE + (PLANK_UPRIGHT - PLANK_INCLINE) * e;
    plank_pose(lower, PLANK_DOWN * (1.0 - e), incline, x0 + (mid_x - x0) * e, e)
}

/// The side-plank script at time `t` (front view).
#[must_use]
pub(crate) fn side_plank_script(t: f64) -> Pose {
    let c = t % cycle_s(Exercise::SidePlank);
    let right = PLANK_SIDE_S + PLANK_TURN_S;
    let rest = right + PLANK_SIDE_S;
    if c < PLANK_SIDE_S {
        plank_side(Side::Left, c, true)
    } else if c < right {
        plank_turn(Side::Left, Side::Right, c - PLANK_SIDE_S)
    } else if c < rest {
        plank_side(Side::Right, c - right, false)
    } else if c < rest + PLANK_REST_S {
        plank_pose(Side::Right, PLANK_DOWN, PLANK_INCLINE, plank_hip_x(Side::Right), 0.0)
    } else {
        plank_turn(Side::Right, Side::Left, c - rest - PLANK_REST_S)
    }
}
