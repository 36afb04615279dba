//! Benchmarks of the pose stage: preprocessing (crop + resize of a 1080p frame), bare model
//! inference (Lightning and Thunder), and decoding + smoothing. Compare runs with criterion's report.
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

criterion_group!(benches, preprocess, inference, decode);
criterion_main!(benches);
