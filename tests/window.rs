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

#[test]
fn release_binary_renders_demo_frames_in_a_real_window() {
    let x = Xvfb::start();
    let mut app = Command::new(support::formcheck_bin())
        .args(["--source", "demo"])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start formcheck");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shot_path = out_dir.join("xvfb_demo.png");
    // The demo's mannequin is painted in this blue; the DEMO label in this amber.
    let (body, label) = ([70u8, 110, 170], [255u8, 190, 40]);
    let deadline = Instant::now() + Duration::from_secs(40);
    let (mut body_px, mut label_px) = (0, 0);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1000));
        if let Ok(Some(status)) = app.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            app.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("formcheck exited early ({status}): {err}");
        }
        let img = x.screenshot(&shot_path);
        body_px = count_near(&img, body, 12);
        label_px = count_near(&img, label, 12);
        if body_px > 5_000 && label_px > 100 {
            break;
        }
    }
    let _ = app.kill();
    let _ = app.wait();
    assert!(
        body_px > 5_000 && label_px > 100,
        "the window did not show demo frames: {body_px} body pixels, {label_px} label pixels (screenshot: {})",
        shot_path.display()
    );
}

#[test]
fn demo_with_hinge_counts_a_rep_on_screen_and_draws_the_dowel_legend() {
    let launch = Launch {
        source: Some(formcheck::source::SourceSpec::Demo),
        exercise: Some(formcheck::form::Exercise::Hinge),
        ..Launch::default()
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(2);
    assert!(h.state().is_live());
    // The demo's first hinge ends about 6.5 s in (it runs in real time).
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.query_by_label("1 rep").is_none() {
        assert!(Instant::now() < deadline, "no rep counted on screen in 30 s");
        std::thread::sleep(Duration::from_millis(100));
        h.step();
    }
    h.get_by_label_contains("Dowel contacts");
    h.get_by_label_contains("view: side");
}
