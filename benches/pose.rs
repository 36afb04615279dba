//! Benchmarks of the pose stage: preprocessing (crop + resize of a 1080p frame), bare model
//! inference (Lightning and Thunder), and decoding + smoothing; BlazePose's warp, landmark and
//! detector passes, and a whole tracked BlazePose frame. Compare runs with criterion's report.
//!
//! Run: `cargo bench --bench pose` (needs scripts/setup.sh to have fetched ONNX Runtime).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use formcheck::frame::Frame;
use formcheck::pose::crop::{CropRegion, crop_resize_into};
use formcheck::pose::decode::decode_movenet;
use formcheck::pose::smooth::{OneEuroParams, PoseSmoother};
use formcheck::pose::{ModelKind, PoseModel};

fn frame_1080p() -> Frame {
    let (w, h) = (1920u32, 1080u32);
    let rgb = (0..w * h * 3).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    Frame::new(0, 0.0, w, h, rgb)
}

fn preprocess(c: &mut Criterion) {
    let f = frame_1080p();
    let mut out = Vec::new();
    let crop = CropRegion::centred(900.0, 600.0, 700.0);
    for kind in [ModelKind::Lightning, ModelKind::Thunder] {
        let side = kind.input_side();
        c.bench_function(&format!("preprocess/crop_1080p_to_{side}"), |b| {
            b.iter(|| crop_resize_into(black_box(&f), black_box(&crop), side, &mut out));
        });
    }
    // Video files come as YUV 4:2:0 (see frame.rs): the analysis path.
    let (w, h) = (1920u32, 1080u32);
    let yuv_len = formcheck::frame::PixelFormat::Yuv420p.frame_len(w, h);
    let yuv_data = (0..yuv_len).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let yuv = Frame::with_format(0, 0.0, w, h, formcheck::frame::PixelFormat::Yuv420p, yuv_data);
    c.bench_function("preprocess/crop_1080p_yuv_to_256", |b| {
        b.iter(|| crop_resize_into(black_box(&yuv), black_box(&crop), 256, &mut out));
    });
    c.bench_function("preprocess/letterbox_1080p_to_256", |b| {
        b.iter(|| crop_resize_into(black_box(&f), &CropRegion::full_frame(1920, 1080), 256, &mut out));
    });
}

fn inference(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    for kind in [ModelKind::Lightning, ModelKind::Thunder] {
        let mut model = match PoseModel::load(kind, threads) {
            Ok(m) => m,
            Err(e) => panic!("cannot benchmark inference: {e}"),
        };
        let side = kind.input_side();
        let input: Vec<i32> = (0..side * side * 3).map(|i| (i % 251) as i32).collect();
        let mut out = Vec::new();
        c.bench_function(&format!("inference/{}_{threads}_threads", kind.name()), |b| {
            b.iter(|| model.infer(black_box(&input), &mut out).expect("inference"));
        });
    }
}

fn decode(c: &mut Criterion) {
    let out: Vec<f32> = (0..51).map(|i| (i as f32 * 0.37) % 1.0).collect();
    let region = CropRegion::centred(900.0, 600.0, 700.0);
    let mut smoother = PoseSmoother::new(OneEuroParams::default());
    let mut t = 0.0;
    c.bench_function("decode/movenet_output_and_smoothing", |b| {
        b.iter(|| {
            t += 1.0 / 30.0;
            let mut pose = decode_movenet(black_box(&out), &region).expect("51 values");
            smoother.apply(t, &mut pose, region.size);
            pose
        });
    });
}

/// BlazePose: the rotated warp into the landmark model's input, the bare landmark and detector
/// passes, and the whole tracked frame (warp, landmark model, decoding, smoothing, next region).
fn blazepose(c: &mut Criterion) {
    use formcheck::pose::blazepose::{RawLandmarks, RotatedRoi, decode, roi::warp_into};
    use formcheck::pose::{EstimatorOptions, PoseEstimator};
    let threads = 2;
    let (w, h) = (1920u32, 1080u32);
    let yuv_len = formcheck::frame::PixelFormat::Yuv420p.frame_len(w, h);
    let yuv_data = (0..yuv_len).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let yuv = Frame::with_format(0, 0.0, w, h, formcheck::frame::PixelFormat::Yuv420p, yuv_data);
    let roi = RotatedRoi { cx: 900.0, cy: 600.0, side: 700.0, angle: 0.3 };
    let mut input = Vec::new();
    c.bench_function("blazepose/warp_1080p_yuv_to_256", |b| {
        b.iter(|| warp_into(black_box(&yuv), black_box(&roi), 256, &mut input));
    });
    // As in the pipeline, where each frame is new (just written by the decoding thread): the frames
    // taken in turn are 8 (25 MB), too many for the cores' own caches.
    let fresh: Vec<Frame> = (0..8u64)
        .map(|k| {
            let data = (0..yuv_len).map(|i| ((i as u64 + k * 7919).wrapping_mul(2654435761) >> 24) as u8).collect();
            Frame::with_format(k, 0.0, w, h, formcheck::frame::PixelFormat::Yuv420p, data)
        })
        .collect();
    let mut next = 0;
    c.bench_function("blazepose/warp_1080p_yuv_to_256_fresh_frame", |b| {
        b.iter(|| {
            next = (next + 1) % fresh.len();
            warp_into(black_box(&fresh[next]), black_box(&roi), 256, &mut input);
        });
    });
    for kind in [ModelKind::BlazePoseLite, ModelKind::BlazePoseFull] {
        let mut model =
            PoseModel::load(kind, threads).unwrap_or_else(|e| panic!("cannot benchmark {}: {e}", kind.name()));
        let nets = model.blazepose().expect("a BlazePose model");
        let lm_input: Vec<f32> = (0..256 * 256 * 3).map(|i| (i % 251) as f32 / 255.0).collect();
        let mut raw = RawLandmarks::default();
        c.bench_function(&format!("blazepose/landmarks_{}_{threads}_threads", kind.name()), |b| {
            b.iter(|| {
                nets.landmarks(black_box(&lm_input), &mut raw).expect("inference");
                decode(&raw)
            });
        });
        // Without the mask: the points copy of the model (models/points.py), when it is there.
        if nets.has_points_model() {
            c.bench_function(&format!("blazepose/landmarks_no_mask_{}_{threads}_threads", kind.name()), |b| {
                b.iter(|| {
                    nets.landmarks_with(black_box(&lm_input), &mut raw, false).expect("inference");
                    decode(&raw)
                });
            });
        }
        if kind == ModelKind::BlazePoseFull {
            let det_input: Vec<f32> = (0..224 * 224 * 3).map(|i| (i % 251) as f32 / 127.5 - 1.0).collect();
            c.bench_function(&format!("blazepose/detector_{threads}_threads"), |b| {
                b.iter(|| nets.detect(black_box(&det_input)).expect("inference"));
            });
        }
    }
    // The whole tracked frame on a real still (the person must be found for tracking to hold).
    // The corpus where the tests look for it: FORMCHECK_CORPUS, else ../shared/corpus.
    let still = std::env::var_os("FORMCHECK_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
        .join("stills/wahoo_good_morning_standing_t4.png");
    let Ok(img) = image::open(&still) else {
        eprintln!("skipping blazepose/tracked_frame: {} not found", still.display());
        return;
    };
    let img = img.to_rgb8();
    let (w, h) = img.dimensions();
    let mut frame = Frame::new(0, 0.0, w, h, img.into_raw());
    for kind in [ModelKind::BlazePoseLite, ModelKind::BlazePoseFull] {
        for want_mask in [true, false] {
            let model = PoseModel::load(kind, threads).unwrap_or_else(|e| panic!("{e}"));
            let mut est = PoseEstimator::new(model, EstimatorOptions::default());
            est.set_want_mask(want_mask);
            let what = if want_mask { "tracked_frame" } else { "tracked_frame_no_mask" };
            c.bench_function(&format!("blazepose/{what}_{}_{threads}_threads", kind.name()), |b| {
                b.iter(|| {
                    frame.t += 1.0 / 30.0;
                    let r = est.estimate(black_box(&frame)).expect("inference");
                    assert!(r.sample.present, "the person is lost");
                    r.passes
                });
            });
        }
    }
}

criterion_group!(benches, preprocess, inference, decode, blazepose);
criterion_main!(benches);
