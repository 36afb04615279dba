//! The session report end to end: `formcheck analyze <corpus clip> --exercise hinge --save` into a
//! fresh data folder, pain ratings added, `formcheck report --last` to HTML, CSV and JSON; the HTML
//! is well-formed, self-contained, carries the store's numbers, and renders in headless Chromium
//! to a non-blank page. Chromium is required: this test fails (it never skips) without it.
//!
//! Key frames: with `--key-frames` exactly one annotated JPEG of the worst rep is stored and the
//! HTML embeds it as a `data:` URI; without the flag no picture is stored and the report says so.

use formcheck::session::pacing::PainKind;
use formcheck::session::store::Store;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run formcheck");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout.into_owned()
}

/// Parses the whole document as XML: every element closed and properly nested, every entity known.
fn assert_well_formed(html: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut depth = 0_i64;
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                elements += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) => elements += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                t.decode().expect("text decodes");
                let raw = String::from_utf8_lossy(&t);
                for (i, _) in raw.match_indices('&') {
                    let rest = &raw[i..];
                    assert!(
                        ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e)),
                        "unescaped & in text: {}",
                        &rest[..rest.len().min(30)]
                    );
                }
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the report is not well-formed at byte {}: {e}", reader.error_position()),
        }
        assert!(depth >= 0, "more end tags than start tags");
    }
    assert_eq!(depth, 0, "unclosed elements");
    elements
}

/// `text` as the report's template writes it in HTML (escaped by maud).
fn esc(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

fn chromium_screenshot(html: &Path, png: &Path) {
    let bin = std::env::var("FORMCHECK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let mut child = Command::new(&bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", png.display()))
        .args(["--window-size=1200,1600"])
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "\n\nCHROMIUM NOT FOUND ({bin}: {e}).\nThis test renders the report in headless Chromium and does not pass \
                 without it. Install it (scripts/setup.sh does: apt-get install chromium) or set FORMCHECK_CHROMIUM.\n"
            )
        });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish the screenshot within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn report_of_an_analysed_clip() {
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    let data = tempfile::tempdir().unwrap();
    let bin = crate::support::formcheck_bin();
    let stdout = run(Command::new(&bin).env("FORMCHECK_DATA", data.path()).args(["analyze"]).arg(&clip).args([
        "--exercise",
        "hinge",
        "--save",
        "--key-frames",
        "--quiet",
        "--threads",
        "2",
    ]));
    let id: i64 = crate::support::saved_session_id(&stdout);

    // Pain ratings for the session, and an earlier session for the trend.
    let db = data.path().join("formcheck.db");
    {
        let store = Store::open(&db).unwrap();
        let rec = store.load_session(id).unwrap();
        store.set_now(Some(rec.summary.started_at - 2 * 86_400));
        let earlier = store
            .begin_session(formcheck::session::store::SourceKind::Camera, None, rec.prescription.as_ref())
            .unwrap();
        store.record_pain(earlier, PainKind::Before, 1, None, &[]).unwrap();
        store.record_pain(earlier, PainKind::After, 2, None, &[]).unwrap();
        store.record_pain(earlier, PainKind::NextDay, 1, None, &[]).unwrap();
        store.end_session(earlier).unwrap();
        store.set_now(None);
        let set = rec.set_records[0].id;
        store.record_pain(id, PainKind::Before, 2, None, &[]).unwrap();
        store.record_pain(id, PainKind::After, 5, Some(set), &[]).unwrap();
    }

    let out = data.path().join("report <session>.html");
    let (csv, json) = (data.path().join("report.csv"), data.path().join("report.json"));
    let stdout = run(Command::new(&bin)
        .env("FORMCHECK_DATA", data.path())
        .args(["report", "--last", "--out"])
        .arg(&out)
        .arg("--csv")
        .arg(&csv)
        .arg("--json")
        .arg(&json));
    assert!(stdout.contains(&format!("report of session {id}")), "{stdout}");

    let store = Store::open(&db).unwrap();
    let rec = store.load_session(id).unwrap();
    let reps = &rec.set_records[0].reps;
    assert!(reps.len() >= 2, "the good-mornings clip has several hinge reps, stored {}", reps.len());
    assert_eq!(rec.summary.clip_path.as_deref(), Some(std::fs::canonicalize(&clip).unwrap().to_str().unwrap()));

    let html = std::fs::read_to_string(&out).unwrap();
    let elements = assert_well_formed(&html);
    assert!(elements > 100, "{elements} elements");
    // Self-contained: no script, no external resource (the SVG namespace is a name, not a fetch).
    for banned in ["<script", "href=", "url(", "@import", "<link"] {
        assert!(!html.contains(banned), "the report contains {banned:?}");
    }
    // The only `src=` is the key frame, inline.
    let data_uri = "<img src=\"data:image/jpeg;base64,";
    assert_eq!(html.matches("src=").count(), 1, "one image, the key frame");
    assert_eq!(html.matches(data_uri).count(), 1, "the key frame is an inline JPEG");

    // Exactly one key frame: the worst rep's, a real picture of the clip's size (<= 960 wide).
    let frames = store.key_frames(id).unwrap();
    assert_eq!(frames.len(), 1, "one key frame with --key-frames");
    let k = &frames[0];
    assert_eq!(rec.key_frames, frames);
    let worst = formcheck::session::keyframe::worst_rep(reps).expect("a worst rep");
    assert_eq!(k.rep_index, worst.index, "the key frame shows the worst rep");
    assert!((k.t_s - formcheck::session::keyframe::key_time(worst)).abs() < 0.1, "at its worst moment: {} s", k.t_s);
    assert!(k.caption.starts_with(&format!("Rep {} at ", worst.index)), "{}", k.caption);
    assert!(k.caption.contains("thoracic gap"), "{}", k.caption);
    let pic =
        image::load_from_memory_with_format(&k.jpeg, image::ImageFormat::Jpeg).expect("the JPEG decodes").to_rgb8();
    assert_eq!(pic.dimensions(), (960, 540), "the 1920x1080 clip scaled to 960 wide");
    let mean = pic.pixels().map(|p| f64::from(p.0[0]) + f64::from(p.0[1]) + f64::from(p.0[2])).sum::<f64>()
        / (3.0 * f64::from(960 * 540));
    let var = pic.pixels().map(|p| (f64::from(p.0[1]) - mean).powi(2)).sum::<f64>() / f64::from(960 * 540);
    assert!(var.sqrt() > 20.0, "the key frame is blank (sd {:.1})", var.sqrt());
    let person = pic.pixels().filter(|p| p.0.iter().all(|&c| c < 180)).count();
    assert!(person > 10_000, "the person is not in the key frame ({person} dark pixels)");
    let overlay = pic.pixels().filter(|p| p.0.iter().zip([40_u8, 200, 90]).all(|(a, b)| a.abs_diff(b) <= 40)).count();
    assert!(overlay > 300, "the skeleton overlay is not drawn ({overlay} green pixels)");
    let uri_start = html.find(data_uri).unwrap() + data_uri.len();
    let b64 = &html[uri_start..uri_start + html[uri_start..].find('"').unwrap()];
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD.decode(b64).unwrap(),
        k.jpeg,
        "the HTML embeds the stored JPEG"
    );
    assert!(html.contains(&esc(&k.caption)), "the caption is shown");
    assert!(!html.contains("No key frame stored"));
    assert!(rec.keep_key_frames, "the session records that key frames were allowed");
    assert!(html.contains(&esc(formcheck::report::KEPT_BY_USER)), "the pictures statement of the home flow");
    assert!(!html.contains(&esc(formcheck::report::NO_PICTURES)));
    assert!(!html.contains(formcheck::report::TELEHEALTH_MARKER), "a home clip is no call");
    // Whether a real dowel was used (this clip has none).
    assert!(
        html.contains("No real dowel was detected: the dowel contacts were judged on the virtual dowel fitted to the back contour, or by keypoints."),
        "the dowel statement"
    );
    assert_eq!(html.matches("http").count(), html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
    // The store's numbers.
    assert!(html.contains(&format!("<b id=\"rep-count\">{}</b>", reps.len())), "rep count tile");
    let clean = reps.iter().filter(|r| r.faults.is_empty()).count();
    assert!(html.contains(&format!("<b>{clean}</b>")), "clean reps tile");
    assert!(html.contains(&format!("{} / 18", reps.len())), "reps done vs the default plan's 3 x 6");
    for r in reps {
        let h = r.hinge.as_ref().expect("hinge measurements");
        let row = format!(
            "<td class=\"n\">{:.1}–{:.1}</td><td class=\"n\">{:.0}</td><td class=\"n\">{:.0}</td>",
            r.start_s, r.end_s, h.peak_trunk_deg, h.peak_hip_deg
        );
        assert!(html.contains(&row), "rep {} row {row}", r.index);
        for f in &r.faults {
            assert!(html.contains(f.id()), "fault {f} of rep {}", r.index);
        }
        // A rep the mask could not judge says why, in the stored record and in the report.
        if let Some(why) = &h.mask_refused {
            let cell = format!("– (mask: {})", esc(&formcheck::back::refusal_text(why)));
            assert!(html.contains(&cell), "rep {}: {cell}", r.index);
        }
    }
    assert!(
        reps.iter().any(|r| r.hinge.as_ref().is_some_and(|h| h.mask_refused.is_some())),
        "no rep of this clip records why the mask could not judge it (her near arm lies along the back on every full-view rep)"
    );
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(html.contains("Pain trend"), "pain chart");
    assert!(html.contains("<b>regress</b>") && html.contains("pain reached 5/10"), "pacing suggests the regression");
    assert!(html.contains("6 -&gt; 4 reps per set"), "and says what changes");

    // CSV and JSON carry the same reps.
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let rep_rows: Vec<&str> = csv_text.lines().filter(|l| l.starts_with("rep,")).collect();
    assert_eq!(rep_rows.len(), reps.len());
    assert!(rep_rows[0].contains(&format!("{:.3}", reps[0].hinge.as_ref().unwrap().peak_trunk_deg)));
    let header: Vec<&str> = csv_text.lines().next().unwrap().split(',').collect();
    assert_eq!(header, formcheck::report::CSV_COLUMNS);
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["reps"].as_array().unwrap().len(), reps.len());
    assert_eq!(j["session"]["id"], id);
    assert_eq!(j["pacing"]["decision"], "regress");
    assert_eq!(j["pain_trend"].as_array().unwrap().len(), 2);

    // Headless Chromium renders it to a page that is not blank: many colours, and the chart bars.
    let png = data.path().join("out.png");
    chromium_screenshot(&out, &png);
    let img = image::open(&png).expect("chromium wrote a PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1200, 1600));
    let bg = *img.get_pixel(2, 2);
    let differing = img.pixels().filter(|p| p.0.iter().zip(bg.0).any(|(a, b)| a.abs_diff(b) > 16)).count();
    let share = differing as f64 / f64::from(1200 * 1600);
    assert!(share > 0.05, "the page is nearly blank: {:.1}% of pixels differ from the background", share * 100.0);
    let near = |c: [u8; 3]| img.pixels().filter(|p| p.0.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 8)).count();
    let bars = near([0x3a, 0x9d, 0x5d]) + near([0xe0, 0x8a, 0x1e]) + near([0xc0, 0x39, 0x2b]);
    assert!(bars > 2000, "the trunk-depth bars were not drawn ({bars} bar-coloured pixels)");
    let _ = std::fs::copy(&out, std::env::temp_dir().join("formcheck-report-sample.html"));
    let _ = std::fs::copy(&png, std::env::temp_dir().join("formcheck-report-sample.png"));
}

/// Without `--key-frames` nothing but numbers is stored: no key frame row, and the report says so.
#[test]
fn no_key_frame_without_the_flag() {
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    let data = tempfile::tempdir().unwrap();
    let bin = crate::support::formcheck_bin();
    run(Command::new(&bin).env("FORMCHECK_DATA", data.path()).args(["analyze"]).arg(&clip).args([
        "--exercise",
        "hinge",
        "--save",
        "--quiet",
        "--threads",
        "2",
    ]));
    let out = data.path().join("report.html");
    run(Command::new(&bin).env("FORMCHECK_DATA", data.path()).args(["report", "--last", "--out"]).arg(&out));
    let db = data.path().join("formcheck.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: i64 = conn.query_row("SELECT COUNT(*) FROM key_frames", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "no key frame without --key-frames");
    let blobs: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND sql LIKE '%BLOB%' AND name != 'key_frames'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(blobs, 0, "no other table holds pictures");
    let html = std::fs::read_to_string(&out).unwrap();
    assert_well_formed(&html);
    assert!(html.contains("No key frame stored (key frames are kept only when you allow them)."), "the report says so");
    assert!(html.contains(&esc(formcheck::report::NO_PICTURES)), "the pictures statement");
    assert!(!html.contains(&esc(formcheck::report::KEPT_BY_USER)), "nothing kept");
    assert!(!html.contains(formcheck::report::TELEHEALTH_MARKER), "a home clip is no call");
    assert!(!html.contains("Patient: "), "the home flow's implicit patient is not named");
    assert!(!html.contains("src="), "no image in the report");
    assert!(html.contains("No real dowel was detected"), "the dowel statement");
}
