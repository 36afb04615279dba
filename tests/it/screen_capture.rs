//! Analysing a video call's window live (the therapist's mode): a corpus clip played by `ffplay` in
//! a titled window on an X server with a window manager (bare Xvfb has none, and then nothing lists
//! windows), captured by its title and analysed by `formcheck analyze window:TITLE`. The verdict
//! must match `formcheck analyze` on the file itself; a window covering the call changes nothing;
//! a minimised call window ends the capture with "restore the call window", never frames judged
//! as "no person".

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Xvfb, corpus_file, formcheck_bin};

/// An X server with Openbox on it, both stopped on drop.
struct Desktop {
    x: Xvfb,
    wm: Child,
    players: Vec<Child>,
}

impl Desktop {
    fn start() -> Desktop {
        let x = Xvfb::start("1920x1080x24");
        let wm = Command::new("openbox")
            .env("DISPLAY", &x.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox is installed by scripts/setup.sh (package openbox)");
        Desktop { x, wm, players: Vec::new() }
    }

    /// Plays `input` (ffplay's input arguments) in a window titled `title` of `size` at `pos`.
    fn play(&mut self, input: &[&str], title: &str, size: (u32, u32), pos: (u32, u32)) {
        let child = Command::new("ffplay")
            .args(["-loglevel", "error", "-an", "-autoexit", "-window_title", title])
            .args(["-x", &size.0.to_string(), "-y", &size.1.to_string()])
            .args(["-left", &pos.0.to_string(), "-top", &pos.1.to_string()])
            .args(input)
            .env("DISPLAY", &self.x.display)
            .env("SDL_AUDIODRIVER", "dummy")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffplay is installed by scripts/setup.sh (package ffmpeg)");
        self.players.push(child);
    }

    fn formcheck(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(formcheck_bin());
        cmd.args(args).env("DISPLAY", &self.x.display);
        cmd
    }

    /// Waits until `formcheck windows` lists `title`; returns its line.
    fn wait_for_window(&self, title: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.formcheck(&["windows"]).output().expect("formcheck runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "formcheck windows failed: {}", String::from_utf8_lossy(&out.stderr));
            if let Some(line) = text.lines().find(|l| l.starts_with(&format!("window:{title}  "))) {
                return line.to_string();
            }
            assert!(Instant::now() < deadline, "\"{title}\" never appeared in `formcheck windows`:\n{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for p in self.players.iter_mut().chain(std::iter::once(&mut self.wm)) {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("formcheck-capture-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The completed reps of an `analyze --json` output: (end time, faults).
fn reps(json: &Path) -> Vec<(f64, Vec<String>)> {
    let text = std::fs::read_to_string(json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("analyze JSON");
    v["exercise"]["reps"]
        .as_array()
        .expect("an exercise verdict with reps")
        .iter()
        .map(|r| {
            let faults = r["faults"].as_array().expect("faults").iter().map(|f| f.as_str().unwrap().to_string());
            (r["end_s"].as_f64().expect("end_s"), faults.collect())
        })
        .collect()
}

fn check(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_major(fault: &str) -> bool {
    let id: formcheck::form::FaultId =
        serde_json::from_value(serde_json::Value::String(fault.to_string())).expect("a fault id");
    id.severity() == formcheck::form::Severity::Major
}

#[test]
fn a_call_window_covered_by_another_is_analysed_like_the_file() {
    let clip = corpus_file("clips/wahoo_good_mornings.mp4");
    let dir = out_dir("covered");
    // The file, as `analyze` judges it.
    let file_json = dir.join("file.json");
    let out = Command::new(formcheck_bin())
        .args(["analyze", clip.to_str().unwrap(), "--exercise", "hinge", "--quiet", "--json"])
        .arg(&file_json)
        .output()
        .expect("formcheck runs");
    check(&out, "analyze on the file");
    let file_reps = reps(&file_json);

    let mut desk = Desktop::start();
    let title = "Video call - patient";
    desk.play(&[clip.to_str().unwrap()], title, (1280, 720), (0, 0));
    desk.wait_for_window(title);
    let live_json = dir.join("live.json");
    let mut live = desk
        .formcheck(&["analyze", &format!("window:{title}"), "--exercise", "hinge", "--seconds", "40", "--quiet"])
        .arg("--json")
        .arg(&live_json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("formcheck runs");
    // A second window over the whole call window, from 2 s on, for the rest of the clip.
    std::thread::sleep(Duration::from_secs(2));
    desk.play(&["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=15"], "Cover", (1600, 900), (0, 0));
    let cover = desk.wait_for_window("Cover");
    let out = {
        let deadline = Instant::now() + Duration::from_secs(90);
        while live.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "the capture did not end when the call window closed");
            std::thread::sleep(Duration::from_millis(200));
        }
        live.wait_with_output().expect("output")
    };
    check(&out, "analyze window:");
    eprintln!("cover: {cover}\nlive: {}", String::from_utf8_lossy(&out.stdout));
    let live_reps = reps(&live_json);
    // The capture starts a moment after playback: its clock is behind the clip's, never ahead.
    let before = |r: &[(f64, Vec<String>)]| r.iter().filter(|(end, _)| *end < 17.0).count();
    assert_eq!(before(&file_reps), 3, "the file: 3 reps before 17 s ({file_reps:?})");
    assert_eq!(before(&live_reps), 3, "the covered call window: 3 reps before 17 s ({live_reps:?})");
    assert_eq!(live_reps.len(), file_reps.len(), "reps live {live_reps:?} vs file {file_reps:?}");
    for (i, (_, faults)) in live_reps.iter().enumerate().take(3) {
        let major: Vec<&String> = faults.iter().filter(|f| is_major(f)).collect();
        assert!(major.is_empty(), "live rep {}: major faults {major:?}", i + 1);
    }
}

#[test]
fn a_minimised_call_window_says_restore_it() {
    let clip = corpus_file("clips/wahoo_good_mornings.mp4");
    let dir = out_dir("minimised");
    let mut desk = Desktop::start();
    let title = "Minimise me";
    desk.play(&[clip.to_str().unwrap()], title, (640, 360), (100, 100));
    desk.wait_for_window(title);
    let json = dir.join("live.json");
    let live = desk
        .formcheck(&["analyze", &format!("window:{title}"), "--exercise", "hinge", "--seconds", "30", "--quiet"])
        .arg("--json")
        .arg(&json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("formcheck runs");
    // The clip opens on a title card; she is in the picture from about 4 s of it.
    std::thread::sleep(Duration::from_secs(8));
    let status = Command::new("xdotool")
        .args(["search", "--name", title, "windowminimize"])
        .env("DISPLAY", &desk.x.display)
        .status()
        .expect("xdotool is installed by scripts/setup.sh (package xdotool)");
    assert!(status.success(), "xdotool could not minimise the window");
    let started = Instant::now();
    let out = live.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a minimised window must not end as a normal capture");
    assert!(stderr.contains("Restore the call window"), "stderr: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "the capture went on after the window was minimised");
    // The frames captured before it were kept, and none after it was analysed as "no person".
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON was written")).expect("analyze JSON");
    let frames = v["frames"].as_array().expect("frames");
    assert!(!frames.is_empty(), "the frames before minimising were lost");
    // A minimised window captured anyway would end on black frames judged "no person".
    let last: Vec<bool> = frames.iter().rev().take(5).map(|f| f["present"] == true).collect();
    assert!(last.iter().all(|p| *p), "the last frames before the window was minimised: present {last:?}");

    // Started on a window that is already minimised: the same message, before any frame.
    let out = desk.formcheck(&["analyze", &format!("window:{title}"), "--seconds", "5"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Restore the call window"));
}

#[test]
fn a_screen_region_is_captured_at_its_size() {
    let dir = out_dir("region");
    let mut desk = Desktop::start();
    desk.play(&["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=15"], "Pattern", (640, 360), (0, 0));
    desk.wait_for_window("Pattern");
    let json = dir.join("region.json");
    let out = desk
        .formcheck(&["analyze", "screen:10,20,320,240", "--seconds", "1", "--quiet", "--json"])
        .arg(&json)
        .output()
        .expect("runs");
    check(&out, "analyze screen:");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!((v["source"]["width"].as_u64(), v["source"]["height"].as_u64()), (Some(320), Some(240)));
    assert!(v["frames"].as_array().is_some_and(|f| f.len() >= 5), "a second at up to 30 fps gave {}", v["frames"]);
    // A region off the screen says so.
    let out = desk.formcheck(&["analyze", "screen:1800,1000,320,240", "--seconds", "1"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside the 1920x1080 screen"));
}
