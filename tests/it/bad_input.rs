//! Bad input and faults, as a user meets them (issue 16 and the developers' guide's list): each case
//! runs the real binary and asserts the clear message, the exit code, and that no earlier data
//! changed (the store's bytes or its row counts before and after).
//!
//! Inputs are generated and tiny (ffmpeg's test pattern, one second at 160 x 120); the sessions
//! saved come from re-judging one saved analysis (no model), made once from ten seconds of a
//! corpus hinge clip with the Lightning model. Cases that need root (a `tmpfs` for the full disk,
//! a read-only mount, another user for an unreadable model) print why they are skipped when they
//! cannot run.
//!
//! `FORMCHECK_BIN_UNDER_TEST` runs the suite against another build (e.g. one from before the fixes,
//! to see each case fail).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var_os("FORMCHECK_BIN_UNDER_TEST").map_or_else(crate::support::formcheck_bin, PathBuf::from)
}

/// What a run of formcheck gave.
#[derive(Debug)]
struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    fn all(&self) -> String {
        format!("exit {}\nstdout:\n{}\nstderr:\n{}", self.code, self.out, self.err)
    }
}

/// Runs formcheck with its data folder `data` (and no other folder of this machine's user), `env`
/// added, in `cwd` when given; killed (exit -1) after 120 s so a window that opens cannot hang.
fn fc_in(data: &Path, args: &[&str], env: &[(&str, &str)], cwd: Option<&Path>) -> Run {
    let mut cmd = Command::new(bin());
    for v in ["XDG_DATA_HOME", "XDG_CACHE_HOME", "DISPLAY", "WAYLAND_DISPLAY"] {
        cmd.env_remove(v);
    }
    cmd.env("FORMCHECK_DATA", data).env("HOME", data.join("home"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run formcheck");
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut so, &mut s).ok();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut se, &mut s).ok();
        s
    });
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code().unwrap_or(-1);
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run { code, out: t_out.join().unwrap(), err: t_err.join().unwrap() }
}

fn fc(data: &Path, args: &[&str]) -> Run {
    fc_in(data, args, &[], None)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).output().expect("ffmpeg is installed");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A one-second test-pattern clip (160 x 120, 30 fps, one key frame), its index at the front.
fn tiny_clip(path: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=30",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "300",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        s(path),
    ]);
    path.to_path_buf()
}

/// A scratch folder everyone may read and write (the unreadable-model case runs as another user).
fn scratch() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    set_mode(d.path(), 0o777);
    d
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A saved analysis (`analyze --json`) of a hinge clip with reps: ten seconds of the corpus's good
/// mornings, Lightning. Made once per run; re-judging it with `--save` stores a session without
/// running a model.
fn hinge_json() -> &'static (PathBuf, usize) {
    static JSON: OnceLock<(PathBuf, usize)> = OnceLock::new();
    JSON.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("formcheck-bad-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o777);
        let clip = dir.join("hinge10s.mp4");
        let src = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
        ffmpeg(&[
            "-ss",
            "6",
            "-t",
            "10",
            "-i",
            s(&src),
            "-an",
            "-vf",
            "scale=480:-2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            s(&clip),
        ]);
        let json = dir.join("hinge10s.json");
        let r = fc(
            &dir.join("data"),
            &["analyze", s(&clip), "--model", "lightning", "--exercise", "hinge", "--quiet", "--json", s(&json)],
        );
        assert_eq!(r.code, 0, "{}", r.all());
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let reps = v["exercise"]["reps"].as_array().map_or(0, Vec::len);
        // The corpus labels 3 full-body reps in 6.5-15.8 s: a session of several reps is what a
        // half-saved session would show as "2 of 3".
        assert!(reps >= 2, "the model counted {reps} reps in 6-16 s of the good mornings (labelled: 3)");
        (json, reps)
    })
}

/// Saves the hinge analysis as a session in the store of `data`.
fn save(data: &Path) -> Run {
    fc(data, &["analyze", s(&hinge_json().0), "--exercise", "hinge", "--save"])
}

/// Row counts of the store: sessions, sets, reps, and sessions not ended.
fn counts(db: &Path) -> [i64; 4] {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    [
        n("SELECT count(*) FROM sessions"),
        n("SELECT count(*) FROM sets"),
        n("SELECT count(*) FROM reps"),
        n("SELECT count(*) FROM sessions WHERE ended_at IS NULL"),
    ]
}

/// Every stored session is whole: ended, one ended set, all the analysis's reps.
fn assert_all_whole(db: &Path, reps: usize) {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare(
            "SELECT s.id, s.ended_at IS NOT NULL, (SELECT count(*) FROM sets WHERE session_id = s.id AND ended_at IS NOT NULL),
                    (SELECT count(*) FROM reps r JOIN sets t ON r.set_id = t.id WHERE t.session_id = s.id)
             FROM sessions s",
        )
        .unwrap();
    let rows: Vec<(i64, bool, i64, i64)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect();
    for (id, ended, sets, n) in rows {
        assert!(
            ended && sets == 1 && n == reps as i64,
            "session {id} is half-saved: ended {ended}, {sets} ended set(s), {n} of {reps} reps"
        );
    }
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A store in `data` with two saved sessions; returns its path.
fn store_with_two_sessions(data: &Path) -> PathBuf {
    for _ in 0..2 {
        let r = save(data);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let db = data.join("formcheck.db");
    assert_eq!(counts(&db)[0], 2);
    db
}

/// The error names the store's file and says what to do.
fn assert_store_error(r: &Run, db: &Path, what: &str) {
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains(s(db)), "the error names the store's file:\n{}", r.all());
    assert!(r.err.contains(what), "the error says `{what}`:\n{}", r.all());
    assert!(r.err.contains("Fix:"), "the error says what to do:\n{}", r.all());
    assert!(!r.err.contains("Error code"), "no bare SQLite code:\n{}", r.all());
}

// ---------------------------------------------------------------- prescriptions

#[test]
fn out_of_range_and_malformed_prescriptions_are_refused_naming_the_field() {
    let dir = scratch();
    let data = dir.path().join("data");
    let db = store_with_two_sessions(&data);
    let before = bytes(&db);
    let cases = [
        ("side_plank", "mark_every_s = 1e-9", "side_plank.mark_every_s", "from 1 to 120 s"),
        ("side_plank", "mark_every_s = nan", "side_plank.mark_every_s", "not NaN"),
        ("side_plank", "hold_lost_view_s = -inf", "side_plank.hold_lost_view_s", "not -inf"),
        ("common", "min_score = 7", "common.min_score", "from 0.05 to 0.95"),
        ("common", "not_in_view_after_s = -562.6", "common.not_in_view_after_s", "from 0 to 10 s"),
    ];
    for (i, (section, line, field, range)) in cases.iter().enumerate() {
        let plan = dir.path().join(format!("plan{i}.toml"));
        std::fs::write(
            &plan,
            format!(
                "[[exercise]]\nname = \"side-plank\"\nsets = 1\nhold_s = 20\n[exercise.overrides.{section}]\n{line}\n"
            ),
        )
        .unwrap();
        let r = fc(&data, &["--prescription", s(&plan), "--check"]);
        assert_eq!(r.code, 1, "{line}: {}", r.all());
        assert!(r.err.contains(field) && r.err.contains(range), "{line}: names the field and its range:\n{}", r.all());
        assert!(r.err.contains(&format!("{}:6:", plan.display())), "{line}: says where:\n{}", r.all());
        // Analysing or saving with it refuses too, before anything is stored.
        let r = fc(
            &data,
            &["--prescription", s(&plan), "analyze", s(&hinge_json().0), "--exercise", "side-plank", "--save"],
        );
        assert_eq!(r.code, 2, "{line}: {}", r.all());
        assert!(r.err.contains(field), "{}", r.all());
    }
    // Malformed: the demo in the window refuses it rather than using the usual dose.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[exercise]]\nname = \"hinge\"\nsets = 3\nreps = \n").unwrap();
    let r = fc(&data, &["--source", "demo", "--exercise", "hinge", "--prescription", s(&bad)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains(&format!("{}:4:", bad.display())), "{}", r.all());
    let r = fc(&data, &["--prescription", s(&dir.path().join("missing.toml")), "--source", "demo"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("cannot read the file"), "{}", r.all());
    assert_eq!(bytes(&db), before, "no earlier data changed");
}

// ---------------------------------------------------------------- videos

#[test]
fn valid_clips_are_analysed_and_damaged_ones_refused_clearly() {
    let dir = scratch();
    let data = dir.path().join("data");
    let good = tiny_clip(&dir.path().join("good.mp4"));
    let analyze = |clip: &Path, cwd: Option<&Path>| {
        fc_in(&data, &["analyze", "--model", "lightning", "--quiet", "--", s(clip)], &[], cwd)
    };
    // An edit list: the container counts 60 frames, 30 are shown (cut at 1 s without re-encoding).
    let long = dir.path().join("long.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=30",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "300",
        "-pix_fmt",
        "yuv420p",
        s(&long),
    ]);
    let edit = dir.path().join("edit.mp4");
    ffmpeg(&["-ss", "1", "-i", s(&long), "-c", "copy", s(&edit)]);
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=nb_frames", "-of", "csv=p=0"])
        .arg(&edit)
        .output()
        .unwrap();
    let nb: u64 = String::from_utf8_lossy(&probe.stdout).trim().parse().unwrap();
    assert!(nb >= 55, "the cut clip declares {nb} frames");
    let r = analyze(&edit, None);
    assert_eq!(r.code, 0, "a clip with an edit list is whole: {}", r.all());
    assert!(r.out.contains(": 30 frames") || r.out.contains(": 31 frames"), "{}", r.all());
    // A path with "corrupt" in it.
    let named = dir.path().join("corrupt clips");
    std::fs::create_dir(&named).unwrap();
    std::fs::copy(&good, named.join("corrupt.mp4")).unwrap();
    let r = analyze(&named.join("corrupt.mp4"), None);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains(": 30 frames"), "{}", r.all());
    // A file named like an option.
    std::fs::copy(&good, dir.path().join("-y.mp4")).unwrap();
    let r = analyze(Path::new("-y.mp4"), Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("-y.mp4: 30 frames"), "{}", r.all());
    // Truncated (cut at 60%): the frames before are analysed, the error says so; exit 1.
    let cut = dir.path().join("cut.mp4");
    let whole = bytes(&good);
    std::fs::write(&cut, &whole[..whole.len() * 6 / 10]).unwrap();
    let r = analyze(&cut, None);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("ends early or is damaged") && r.err.contains("re-record"), "{}", r.all());
    // Garbage in the middle of the picture data.
    let mut junk = whole.clone();
    let n = junk.len();
    for (i, b) in junk[n / 3..n * 2 / 3].iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    let corrupt = dir.path().join("garbled.mp4");
    std::fs::write(&corrupt, &junk).unwrap();
    let r = analyze(&corrupt, None);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("damaged"), "{}", r.all());
    // Not a video at all, under a video's name; and an empty file.
    for (name, content) in [("notes.mp4", &b"shopping list: eggs, milk\n"[..]), ("empty.mp4", &b""[..])] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let r = analyze(&p, None);
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(r.err.contains("cannot be read as a video or image") && r.err.contains(name), "{}", r.all());
    }
}

// ---------------------------------------------------------------- stills

/// A PNG header declaring `w` x `h` pixels, with no picture data.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    let chunk = |kind: &[u8], body: &[u8]| {
        let mut v = (body.len() as u32).to_be_bytes().to_vec();
        let mut typed = kind.to_vec();
        typed.extend_from_slice(body);
        v.extend_from_slice(&typed);
        v.extend_from_slice(&crc32(&typed).to_be_bytes());
        v
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn stills_are_read_by_content_and_bad_ones_do_not_stop_the_rest() {
    let dir = scratch();
    let data = dir.path().join("data");
    let still = crate::support::corpus_file("stills/wahoo_good_morning_hinge_t14.png");
    let img = image::open(&still).unwrap().resize(320, 320, image::imageops::FilterType::Triangle);
    // A WebP saved as .jpg, as browsers do.
    let webp = dir.path().join("from-browser.jpg");
    img.save_with_format(&webp, image::ImageFormat::WebP).unwrap();
    assert_eq!(&bytes(&webp)[8..12], b"WEBP");
    let analyze = |p: &Path| fc(&data, &["analyze", s(p), "--model", "lightning", "--quiet"]);
    let r = analyze(&webp);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("1 frames, person present in 1"), "{}", r.all());
    // A 22000 x 22000 PNG of a few bytes: refused from its header, before any pixel is allocated.
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, png_header_only(22_000, 22_000)).unwrap();
    let r = analyze(&huge);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("22000 x 22000") && r.err.contains("Scale it down"), "{}", r.all());
    // A folder with a junk file, a huge one, a WebP named .jpg and a good PNG: two analysed.
    let folder = dir.path().join("stills");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&webp, folder.join("a.jpg")).unwrap();
    img.save(folder.join("b.png")).unwrap();
    std::fs::write(folder.join("c-junk.jpg"), b"<html>not an image</html>").unwrap();
    std::fs::copy(&huge, folder.join("d-huge.png")).unwrap();
    let r = analyze(&folder);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("2 frames, person present in 2"), "{}", r.all());
    assert!(r.err.contains("warning: skipped") && r.err.contains("c-junk.jpg"), "{}", r.all());
    assert!(r.err.contains("d-huge.png"), "{}", r.all());
    // A photo renamed .mp4 is still a photo.
    let renamed = dir.path().join("photo.mp4");
    img.save_with_format(&renamed, image::ImageFormat::Png).unwrap();
    let r = analyze(&renamed);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("1 frames"), "{}", r.all());
}

// ---------------------------------------------------------------- models and runtime

#[test]
fn missing_corrupt_and_unreadable_models_and_a_missing_runtime_are_told_apart() {
    let dir = scratch();
    let data = dir.path().join("data");
    let clip = tiny_clip(&dir.path().join("clip.mp4"));
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    set_mode(&models, 0o777);
    let model = models.join("movenet-lightning.onnx");
    let run = |env: &[(&str, &str)]| fc_in(&data, &["analyze", s(&clip), "--model", "lightning", "--quiet"], env, None);
    // Corrupt: not an ONNX model.
    std::fs::write(&model, b"this is not a model").unwrap();
    let r = run(&[("FORMCHECK_MODELS", s(&models))]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains(s(&model)) && r.err.contains("damaged or not a model"), "{}", r.all());
    // Missing runtime: the binary alone in a folder (in the project's target folder it would find
    // the project's .ort/), with ORT_DYLIB_PATH naming nothing, then a file that is not a library.
    let alone = dir.path().join("bin");
    std::fs::create_dir(&alone).unwrap();
    let exe = alone.join("formcheck");
    std::fs::hard_link(bin(), &exe).or_else(|_| std::fs::copy(bin(), &exe).map(|_| ())).unwrap();
    let fake = dir.path().join("libonnxruntime.so");
    std::fs::write(&fake, b"not a library").unwrap();
    for lib in [Path::new("/nonexistent/libonnxruntime.so"), &fake] {
        let out = Command::new(&exe)
            .args(["analyze", s(&clip), "--model", "lightning", "--quiet"])
            .env("ORT_DYLIB_PATH", lib)
            .env("FORMCHECK_DATA", &data)
            .output()
            .unwrap();
        let r = Run {
            code: out.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&out.stdout).into(),
            err: String::from_utf8_lossy(&out.stderr).into(),
        };
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(r.err.contains("ONNX Runtime could not be loaded") && r.err.contains("Fix:"), "{}", r.all());
        assert!(r.err.contains(s(lib)), "names what was tried: {}", r.all());
    }
    // Missing model file (library level: the installed one is always found beside the project).
    let missing =
        formcheck::pose::PoseModel::load_file(&models.join("nope.onnx"), formcheck::pose::ModelKind::Lightning, 1)
            .expect_err("a missing model is an error");
    assert!(missing.to_string().contains("not found") && missing.to_string().contains("Fix:"), "{missing}");
    // Unreadable: permission denied, as another user (root reads everything).
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/movenet-lightning.onnx"), &model).unwrap();
    set_mode(&model, 0o000);
    set_mode(&clip, 0o644);
    if !is_root() {
        set_mode(&model, 0o600);
        let r = run(&[("FORMCHECK_MODELS", s(&models))]);
        // As the owner it is readable: check only that it loads; the denial needs another user.
        assert_eq!(r.code, 0, "{}", r.all());
        println!("SKIPPED: the unreadable-model case needs root to run formcheck as another user");
        return;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin())
        .args(["analyze", s(&clip), "--model", "lightning", "--quiet"])
        .env("FORMCHECK_MODELS", &models)
        .env("FORMCHECK_DATA", &data)
        .env("HOME", dir.path())
        .output()
        .expect("setpriv");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into(),
        err: String::from_utf8_lossy(&out.stderr).into(),
    };
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("cannot be read") && r.err.contains("ermission denied"), "{}", r.all());
    assert!(!r.err.contains("damaged"), "unreadable is not damaged: {}", r.all());
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

// ---------------------------------------------------------------- the store

#[test]
fn save_saves_or_says_why_not() {
    let dir = scratch();
    let data = dir.path().join("data");
    let (json, reps) = hinge_json();
    // A saved analysis with --save: stored, whole.
    let r = fc(&data, &["analyze", s(json), "--exercise", "hinge", "--save"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let id = crate::support::saved_session_id(&r.out);
    let db = data.join("formcheck.db");
    assert_eq!(counts(&db), [1, 1, *reps as i64, 0], "session {id}");
    assert_all_whole(&db, *reps);
    // A clip cut short: analysed up to the cut, not stored, and it says so.
    let good = tiny_clip(&dir.path().join("good.mp4"));
    let whole = bytes(&good);
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &whole[..whole.len() * 6 / 10]).unwrap();
    let before = bytes(&db);
    let r = fc(&data, &["analyze", s(&cut), "--model", "lightning", "--quiet", "--exercise", "hinge", "--save"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("not saved") && r.err.contains(s(&db)), "{}", r.all());
    assert_eq!(bytes(&db), before);
}

#[test]
fn the_store_refuses_what_is_not_its_own_and_never_overwrites_it() {
    let dir = scratch();
    // Another program's SQLite file where the store goes.
    let data = dir.path().join("foreign");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("formcheck.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Ann', '555');")
            .unwrap();
    }
    let before = bytes(&db);
    let clip = tiny_clip(&dir.path().join("clip.mp4"));
    let started = Instant::now();
    let r = fc(&data, &["analyze", s(&clip), "--model", "lightning", "--exercise", "hinge", "--save"]);
    assert_store_error(&r, &db, "not formcheck's store");
    assert!(!r.out.contains("frames"), "refused before the analysis: {}", r.all());
    assert!(started.elapsed() < Duration::from_secs(30));
    for args in [&["sessions"][..], &["report", "--out", s(&dir.path().join("r.html"))][..]] {
        let r = fc(&data, args);
        assert_store_error(&r, &db, "not formcheck's store");
    }
    assert_eq!(bytes(&db), before, "another program's database is left as it was");
    assert!(!data.join("formcheck.db-wal").exists(), "no WAL switched on");
    // Not a database at all.
    std::fs::write(&db, b"my diary\n").unwrap();
    let r = fc(&data, &["sessions"]);
    assert_store_error(&r, &db, "not a SQLite database");
    assert_eq!(bytes(&db), b"my diary\n");
    // A damaged store: formcheck's, with a page overwritten.
    let data = dir.path().join("damaged");
    let db = store_with_two_sessions(&data);
    let mut b = bytes(&db);
    let page = 4096;
    assert!(b.len() >= 3 * page);
    b[page..2 * page].fill(0xA5);
    std::fs::write(&db, &b).unwrap();
    for args in [&["sessions"][..], &["report", "--out", s(&dir.path().join("d.html"))][..]] {
        let r = fc(&data, args);
        assert_store_error(&r, &db, "damaged");
    }
    let r = save(&data);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains(s(&db)) && r.err.contains("Fix:"), "{}", r.all());
    assert_eq!(bytes(&db), b, "the damaged store is not written to");
    // report --out pointed at the store.
    let data = dir.path().join("good");
    let db = store_with_two_sessions(&data);
    let before = bytes(&db);
    let r = fc(&data, &["report", "--out", s(&db)]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("is the session store") && r.err.contains("Fix:"), "{}", r.all());
    let r = fc_in(&data, &["report", "--csv", "./formcheck.db"], &[], Some(&data));
    assert_eq!(r.code, 2, "{}", r.all());
    assert_eq!(bytes(&db), before);
    let r = fc(&data, &["report", "--out", s(&dir.path().join("ok.html"))]);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// A `tmpfs` mounted for a test (root only), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(at).unwrap();
        let ok = is_root()
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0777"), "tmpfs"])
                .arg(at)
                .status()
                .is_ok_and(|s| s.success());
        ok.then(|| Self(at.to_path_buf()))
    }

    fn remount(&self, opts: &str) {
        let st = Command::new("mount").args(["-o", &format!("remount,{opts}")]).arg(&self.0).status().unwrap();
        assert!(st.success(), "remount {opts}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_store_still_lists_and_reports_but_refuses_to_save_up_front() {
    let dir = scratch();
    let Some(fs) = Tmpfs::mount(&dir.path().join("ro"), "4m") else {
        println!("SKIPPED: the read-only store case needs root and `mount -t tmpfs`");
        return;
    };
    let data = fs.0.join("data");
    let db = store_with_two_sessions(&data);
    let before = bytes(&db);
    fs.remount("ro");
    let r = fc(&data, &["sessions"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.out.lines().count(), 2, "{}", r.all());
    let html = dir.path().join("r.html");
    let r = fc(&data, &["report", "--out", s(&html)]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(html.is_file());
    let clip = tiny_clip(&dir.path().join("clip.mp4"));
    let r = fc(&data, &["analyze", s(&clip), "--model", "lightning", "--exercise", "hinge", "--save"]);
    assert_store_error(&r, &db, "read-only");
    assert!(!r.out.contains("frames"), "refused before the analysis: {}", r.all());
    fs.remount("rw");
    assert_eq!(bytes(&db), before);
}

#[test]
fn a_full_disk_stores_nothing_half_and_says_what_to_do() {
    let dir = scratch();
    let Some(fs) = Tmpfs::mount(&dir.path().join("full"), "1m") else {
        println!("SKIPPED: the full-disk case needs root and `mount -t tmpfs`");
        return;
    };
    let reps = hinge_json().1;
    let data = fs.0.join("data");
    let db = store_with_two_sessions(&data);
    // Fill the disk, then leave a little room: from too little for anything to enough for a save.
    let filler = fs.0.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let full = std::fs::metadata(&filler).unwrap().len();
    let (mut refused, mut saved) = (0, 0);
    for room_kb in [0u64, 8, 16, 32, 48, 64, 96, 128, 192, 256] {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .unwrap()
            .set_len(full.saturating_sub(room_kb * 1024))
            .unwrap();
        let before = counts(&db);
        let r = save(&data);
        if r.code == 0 {
            saved += 1;
            assert_eq!(counts(&db)[0], before[0] + 1);
        } else {
            // Every refusal names the store and a fix; the disk being full is said in words.
            assert_store_error(&r, &db, "");
            if r.err.contains("the disk is full") && r.err.contains("free some space") {
                refused += 1;
            }
            assert_eq!(counts(&db), before, "with {room_kb} KB free: {}", r.all());
        }
        assert_all_whole(&db, reps);
    }
    assert!(refused > 0, "no refusal said the disk is full and to free space");
    std::fs::remove_file(&filler).unwrap();
    let r = save(&data);
    assert_eq!(r.code, 0, "with space again: {}", r.all());
    assert_all_whole(&db, reps);
    println!("full disk: {refused} refusals said the disk is full, {saved} saves fitted as room grew");
}

#[test]
fn killing_a_save_leaves_whole_sessions_and_an_interrupted_live_session_shows_as_incomplete() {
    let dir = scratch();
    let data = dir.path().join("data");
    let db = store_with_two_sessions(&data);
    let (json, reps) = hinge_json();
    // Kills spread over one whole save's time (measured here, the machine may be busy), so some
    // land before, some during and some after the transaction.
    let t0 = Instant::now();
    let r = save(&data);
    assert_eq!(r.code, 0, "{}", r.all());
    let whole_ms = t0.elapsed().as_millis() as u64;
    let mut finished = 0;
    for delay_ms in (0..30).map(|i| whole_ms * i / 24) {
        let mut child = Command::new(bin())
            .args(["analyze", s(json), "--exercise", "hinge", "--save"])
            .env("FORMCHECK_DATA", &data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        if child.wait().unwrap().success() {
            finished += 1;
        }
        assert_all_whole(&db, *reps);
    }
    println!(
        "kill -9 during --save (a save takes {whole_ms} ms): {finished} of 30 had finished; every stored session is whole"
    );
    assert!(finished < 30, "no kill landed before the end of a save");
    // A live session (one rep per transaction) killed mid-set: kept, and marked incomplete.
    let mut child = Command::new(bin())
        .args(["store-writer", "--db", s(&db)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        for line in out.lines() {
            if line.unwrap() == "3" {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let r = fc(&data, &["sessions"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let newest = r.out.lines().next().unwrap_or_default();
    assert!(newest.contains("INCOMPLETE"), "the interrupted session is marked: {}", r.all());
    assert_eq!(r.out.matches("INCOMPLETE").count(), 1, "{}", r.all());
    let html = dir.path().join("last.html");
    let r = fc(&data, &["report", "--last", "--out", s(&html)]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(std::fs::read_to_string(&html).unwrap().contains("incomplete"), "the report says so");
}

#[test]
fn concurrent_saves_all_land_whole() {
    let dir = scratch();
    let data = dir.path().join("data");
    let (json, reps) = hinge_json();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(bin())
                .args(["analyze", s(json), "--exercise", "hinge", "--save"])
                .env("FORMCHECK_DATA", &data)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
        ids.push(crate::support::saved_session_id(&text));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four distinct sessions");
    let db = data.join("formcheck.db");
    assert_eq!(counts(&db), [4, 4, 4 * *reps as i64, 0]);
    assert_all_whole(&db, *reps);
}
