//! The command line: valid JSON on good input; clear, non-zero failures on bad input.

use std::process::Command;

use crate::support::{corpus_file, formcheck_bin};

fn analyze(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(formcheck_bin());
    cmd.arg("analyze").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run formcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn good_video_gives_json_with_frames_keypoints_and_timing() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let clip = corpus_file("clips/istock_side_plank.mp4");
    let (code, stdout, stderr) =
        analyze(&[clip.to_str().unwrap(), "--model", "lightning", "--json", json.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("fps"), "the CLI prints its own timing: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).expect("valid JSON");
    let frames = v["frames"].as_array().expect("frames");
    assert!(frames.len() > 100, "{} frames", frames.len());
    let mut last_t = -1.0;
    for f in frames {
        let t = f["t"].as_f64().expect("t in seconds");
        assert!(t > last_t, "timestamps increase");
        last_t = t;
        assert!(f["present"].is_boolean());
        let kps = f["keypoints"].as_array().expect("keypoints");
        assert_eq!(kps.len(), 17);
        for k in kps {
            assert!(k["x"].is_number() && k["y"].is_number() && k["score"].is_number(), "{k}");
        }
    }
    assert!(frames.iter().any(|f| f["present"] == true), "a person is in this clip");
    assert_eq!(frames[0]["keypoints"][0]["name"], "nose");
    let t = &v["timing"];
    assert_eq!(t["frames"].as_u64(), Some(frames.len() as u64));
    for key in ["input_seconds", "wall_seconds", "fps"] {
        assert!(t[key].as_f64().is_some_and(|x| x > 0.0), "timing.{key}: {t}");
    }
    for stage in ["decode", "preprocess", "inference", "postprocess"] {
        assert!(t["mean_ms"][stage].as_f64().is_some_and(|x| x >= 0.0), "timing.mean_ms.{stage}: {t}");
    }
    assert!(t["mean_ms"]["inference"].as_f64().unwrap() > 0.0);
}

#[test]
fn image_folder_gives_one_frame_per_image_with_file_names() {
    let still = corpus_file("stills/yoga_uttanasana.png");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&still, dir.path().join("a.png")).unwrap();
    std::fs::copy(&still, dir.path().join("b.png")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    let (code, stdout, stderr) = analyze(&[dir.path().to_str().unwrap(), "--json", "-", "--quiet"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    let files: Vec<_> =
        v["frames"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap().to_string()).collect();
    assert_eq!(files, ["a.png", "b.png"]);
}

#[test]
fn text_file_renamed_mp4_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("holiday.mp4");
    std::fs::write(&fake, "this is a text file, not a video\n").unwrap();
    let (code, _, stderr) = analyze(&[fake.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: ") && first.contains("holiday.mp4") && first.contains("cannot be read"),
        "{stderr}"
    );
}

#[test]
fn missing_file_fails_clearly() {
    let (code, _, stderr) = analyze(&["/nonexistent/clip.mp4"], &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("/nonexistent/clip.mp4") && stderr.contains("not found"), "{stderr}");
}

#[test]
fn missing_model_fails_clearly() {
    let empty = tempfile::tempdir().unwrap();
    let still = corpus_file("stills/yoga_uttanasana.png");
    let (code, _, stderr) =
        analyze(&[still.to_str().unwrap()], &[("FORMCHECK_MODELS", empty.path().to_str().unwrap())]);
    assert_ne!(code, 0);
    assert!(stderr.contains("model file not found") && stderr.contains("movenet-thunder.onnx"), "{stderr}");
}

#[test]
fn corrupt_or_wrong_model_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let still = corpus_file("stills/yoga_uttanasana.png");
    // Garbage bytes under the model's name.
    std::fs::write(dir.path().join("movenet-thunder.onnx"), b"not an onnx model").unwrap();
    let (code, _, stderr) = analyze(&[still.to_str().unwrap()], &[("FORMCHECK_MODELS", dir.path().to_str().unwrap())]);
    assert_ne!(code, 0);
    assert!(stderr.contains("could not be loaded as an ONNX model"), "{stderr}");
    // A real ONNX model of the wrong kind: Lightning's file where Thunder is expected.
    let lightning = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/movenet-lightning.onnx");
    std::fs::copy(lightning, dir.path().join("movenet-thunder.onnx")).unwrap();
    let (code, _, stderr) = analyze(&[still.to_str().unwrap()], &[("FORMCHECK_MODELS", dir.path().to_str().unwrap())]);
    assert_ne!(code, 0);
    assert!(stderr.contains("is not a MoveNet thunder model") && stderr.contains("192"), "{stderr}");
}

#[test]
fn missing_runtime_fails_clearly_without_panic() {
    let still = corpus_file("stills/yoga_uttanasana.png");
    let dir = tempfile::tempdir().unwrap();
    // Copy the binary somewhere with no runtime beside it and no project around it.
    let bin = dir.path().join("formcheck");
    std::fs::copy(formcheck_bin(), &bin).unwrap();
    let out = Command::new(&bin)
        .args(["analyze", still.to_str().unwrap()])
        .env("ORT_DYLIB_PATH", dir.path().join("nope.so"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ONNX Runtime could not be loaded") && stderr.contains("scripts/setup.sh"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn truncated_video_reports_the_damage_and_keeps_what_was_read() {
    let clip = corpus_file("clips/istock_side_plank.mp4");
    let bytes = std::fs::read(&clip).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let json = dir.path().join("cut.json");
    let (code, _, stderr) =
        analyze(&[cut.to_str().unwrap(), "--model", "lightning", "--json", json.to_str().unwrap()], &[]);
    assert_ne!(code, 0, "a truncated file is an input error");
    assert!(stderr.contains("cut.mp4"), "{stderr}");
    assert!(stderr.contains("ends early or is damaged") || stderr.contains("cannot be read"), "{stderr}");
}

#[test]
fn exercise_json_has_the_verdict_fields_and_stdout_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("plank.json");
    let clip = corpus_file("clips/istock_side_plank.mp4");
    let (code, stdout, stderr) = analyze(
        &[clip.to_str().unwrap(), "--exercise", "side-plank", "--json", json.to_str().unwrap(), "--quiet"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Side plank:") && stdout.contains("hold"), "summary on stdout: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let e = &v["exercise"];
    assert_eq!(e["name"], "side-plank");
    assert!(e["reps"].is_array() && e["not_in_view_s"].is_number(), "{e}");
    let holds = e["holds"].as_array().expect("holds");
    assert!(!holds.is_empty(), "this clip shows a side plank hold");
    for h in holds {
        for key in ["side", "variant", "start_s", "end_s", "seconds_in_form", "faults"] {
            assert!(h.get(key).is_some(), "hold lacks {key}: {h}");
        }
    }
    for c in e["cues"].as_array().expect("cues") {
        assert!(c["t"].is_number() && c["id"].is_string() && c["text"].is_string(), "{c}");
    }
    // Per frame, the form state rides along.
    assert!(v["frames"][0]["form"]["phase"].is_string(), "{}", v["frames"][0]);
}
