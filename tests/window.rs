//! The window: the start screen with egui_kittest (no display needed), and the real release binary
//! in a real X window under Xvfb, showing frames from the demo.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use formcheck::app::{FormcheckApp, Launch};

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn harness(app: FormcheckApp) -> Harness<'static, FormcheckApp> {
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .wgpu()
        .build_ui_state(|ui, app: &mut FormcheckApp| app.show(ui), app)
}

fn snapshot(h: &mut Harness<'_, FormcheckApp>, name: &str) {
    let options = egui_kittest::SnapshotOptions::default().output_path(snapshot_dir());
    h.snapshot_options(name, &options);
}

#[test]
fn start_screen_without_camera_offers_demo_and_files() {
    let mut h = harness(FormcheckApp::new(Launch::default(), Vec::new()));
    h.run();
    h.get_by_label_contains("No camera found");
    h.get_by_label("Start the demo");
    h.get_by_label("Open file");
    assert!(h.query_by_label_contains("Use camera").is_none(), "no camera buttons without cameras");
    snapshot(&mut h, "start_screen_no_camera");
}

#[test]
fn start_screen_lists_cameras_when_there_are_some() {
    let cams = vec![formcheck::source::camera::CameraEntry { index: 0, name: "Test Cam".into() }];
    let mut h = harness(FormcheckApp::new(Launch::default(), cams));
    h.run();
    h.get_by_label("Use camera 0: Test Cam");
    assert!(h.query_by_label_contains("No camera found").is_none());
}

#[test]
fn opening_a_missing_file_shows_the_reason_and_stays_on_start() {
    let launch = Launch {
        source: Some(formcheck::source::SourceSpec::Path("/nonexistent/clip.mp4".into())),
        ..Launch::default()
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label_contains("/nonexistent/clip.mp4: file not found");
    assert!(!h.state().is_live());
}

#[test]
fn demo_button_opens_the_live_view_labelled_as_demo() {
    let mut h = harness(FormcheckApp::new(Launch::default(), Vec::new()));
    h.run();
    h.get_by_label("Start the demo").click();
    // The live view keeps repainting (new frames): step instead of waiting to settle.
    h.run_steps(2);
    assert!(h.state().is_live());
    h.get_by_label_contains("DEMO");
    // Frames arrive from the worker threads; wait (bounded) for the first result on screen.
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.query_by_label_contains("person in view").is_none() {
        assert!(Instant::now() < deadline, "no demo frame reached the screen in 20 s");
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
    h.get_by_label_contains("fps");
    h.get_by_label("Back to sources").click();
    h.run_steps(2);
    assert!(!h.state().is_live());
}

/// An X server on a display of its own, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        for n in 0..20 {
            let num = 40 + (std::process::id() % 200) + n * 7;
            if Path::new(&format!("/tmp/.X11-unix/X{num}")).exists() {
                continue;
            }
            let mut child = Command::new("Xvfb")
                .args([format!(":{num}").as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb is installed by scripts/setup.sh (package xvfb)");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{num}")).exists() {
                    return Xvfb { child, display: format!(":{num}") };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // This display number did not come up: stop that server and try the next number.
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("could not start Xvfb");
    }

    fn screenshot(&self, out: &Path) -> image::RgbImage {
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(out)
            .status()
            .expect("ImageMagick's `import` is installed by scripts/setup.sh (package imagemagick)");
        assert!(status.success(), "screenshot failed");
        image::open(out).expect("screenshot is a PNG").into_rgb8()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count_near(img: &image::RgbImage, color: [u8; 3], tol: i32) -> usize {
    img.pixels().filter(|p| p.0.iter().zip(color).all(|(&a, b)| (i32::from(a) - i32::from(b)).abs() <= tol)).count()
}

/// Runs `bin args` on the X server until `ready(screenshot)` holds (or 40 s), then stops it and
/// returns whether it became ready. The last screenshot stays at `shot`.
fn run_until(
    x: &Xvfb,
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    shot: &Path,
    ready: impl Fn(&image::RgbImage) -> bool,
) -> bool {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut app = cmd.spawn().expect("start formcheck");
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut ok = false;
    while Instant::now() < deadline && !ok {
        std::thread::sleep(Duration::from_millis(1000));
        if let Ok(Some(status)) = app.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            app.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("formcheck exited early ({status}): {err}");
        }
        ok = ready(&x.screenshot(shot));
    }
    let _ = app.kill();
    let _ = app.wait();
    ok
}

#[test]
fn without_onnx_runtime_the_window_says_so_and_still_offers_the_demo() {
    let x = Xvfb::start();
    // The binary alone in a folder: no runtime beside it, no project around it.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("formcheck");
    std::fs::copy(support::formcheck_bin(), &bin).unwrap();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xvfb_no_runtime.png");
    // The warning panel's dark red, and the demo button still there (checked by the kittest tests).
    let shown = run_until(&x, &bin, &[], &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")], &shot, |img| {
        count_near(img, [90, 30, 30], 3) > 2_000
    });
    assert!(shown, "no 'ONNX Runtime not found' panel on screen (screenshot: {})", shot.display());
}

#[test]
fn release_binary_renders_demo_frames_in_a_real_window() {
    let x = Xvfb::start();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xvfb_demo.png");
    // The demo's mannequin is painted in this blue; the DEMO label in this amber.
    let (body, label) = ([70u8, 110, 170], [255u8, 190, 40]);
    let shown = run_until(&x, &support::formcheck_bin(), &["--source", "demo"], &[], &shot, |img| {
        count_near(img, body, 12) > 5_000 && count_near(img, label, 12) > 100
    });
    assert!(shown, "the window did not show demo frames (screenshot: {})", shot.display());
}

#[test]
fn asking_for_a_camera_that_is_not_there_says_so_and_stays_on_start() {
    // No camera at all (this machine, CI): "no camera found"; cameras but not this one: "no such
    // camera". Either way a message, not a crash, and the demo still offered.
    let launch = Launch { source: Some(formcheck::source::SourceSpec::Camera(999)), ..Launch::default() };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    let said =
        h.query_by_label_contains("no camera found").is_some() || h.query_by_label_contains("no such camera").is_some();
    assert!(said, "no camera message on the start screen");
    h.get_by_label("Start the demo");
    assert!(!h.state().is_live());
}

#[test]
fn the_demo_shows_and_checks_the_chosen_exercise() {
    // The side plank: its demo is filmed from the front, and it is checked as a side plank (no
    // "turn" guidance, no note that it is checked as something else).
    let launch = Launch {
        source: Some(formcheck::source::SourceSpec::Demo),
        exercise: Some(formcheck::form::Exercise::SidePlank),
        ..Launch::default()
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(2);
    assert!(h.state().is_live());
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.query_by_label_contains("view: front").is_none() {
        assert!(Instant::now() < deadline, "the side-plank demo was not seen from the front in 20 s");
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
    assert!(h.query_by_label_contains("checked as a hip hinge").is_none());
    assert!(h.query_by_label_contains("Turn to face the camera").is_none());
}
