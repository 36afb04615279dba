//! Benchmarks of the back module: the person mask (crop of a 1080p frame + selfie inference with 2
//! intra-op threads + copy-out) and the per-frame geometry (contour + virtual dowel, and with the
//! real-dowel search) on a real mask of a corpus still.
//!
//! Run: `cargo bench --bench back` (needs ONNX Runtime, models/ and the corpus, like the pose bench).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use formcheck::back::{
    BackConfig, BackKeypoints, DowelDetector, PersonMask, SegModel, fit_to_frame, measure_back, seg_region,
};
use formcheck::frame::Frame;
use formcheck::pose::crop::CropRegion;
use formcheck::pose::{EstimatorOptions, ModelKind, PoseEstimator, PoseModel};

fn frame_1080p() -> Frame {
    let (w, h) = (1920u32, 1080u32);
    let rgb = (0..w * h * 3).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    Frame::new(0, 0.0, w, h, rgb)
}

fn corpus_still(name: &str) -> PathBuf {
    let dir = std::env::var_os("FORMCHECK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let p = dir.join("stills").join(name);
    assert!(p.is_file(), "corpus still {} not found: set FORMCHECK_CORPUS", p.display());
    p
}

fn mask(c: &mut Criterion) {
    let mut seg = SegModel::load(2).unwrap_or_else(|e| panic!("cannot benchmark the mask: {e}"));
    let f = frame_1080p();
    let region = CropRegion::centred(900.0, 600.0, 700.0);
    let mut m = PersonMask::new(256, vec![0.0; 256 * 256], region);
    c.bench_function("back/mask_1080p_crop_2_threads", |b| {
        b.iter(|| seg.segment_into(black_box(&f), black_box(&region), &mut m).expect("segment"));
    });
    let t = seg.last_times;
    eprintln!(
        "last mask call: preprocess {:.2} ms, inference {:.2} ms, postprocess {:.3} ms",
        t.preprocess_ms, t.inference_ms, t.postprocess_ms
    );
}

fn geometry(c: &mut Criterion) {
    let img = image::open(corpus_still("istock_forward_fold_rounded_t3.png")).expect("still").to_rgb8();
    let (w, h) = img.dimensions();
    let frame = Frame::new(0, 0.0, w, h, img.into_raw());
    let mut pose = PoseEstimator::new(
        PoseModel::load(ModelKind::Thunder, 2).unwrap_or_else(|e| panic!("{e}")),
        EstimatorOptions::still(),
    );
    let p = pose.estimate(&frame).expect("pose");
    let region = fit_to_frame(seg_region(&p.sample.pose, 0.3).expect("torso"), w, h);
    let mut seg = SegModel::load(2).unwrap_or_else(|e| panic!("{e}"));
    let m = seg.segment(&frame, &region).expect("mask");
    let crop = seg.last_crop().to_vec();
    let kp = BackKeypoints::from_pose(&p.sample.pose, 0.3).expect("keypoints");
    let cfg = BackConfig::default();
    let mut det = DowelDetector::new();
    measure_back(&m, &kp, None, &mut det, &cfg, 0.0).expect("the still is measurable");
    c.bench_function("back/contour_and_virtual_dowel", |b| {
        b.iter(|| measure_back(black_box(&m), black_box(&kp), None, &mut det, &cfg, 0.0));
    });
    c.bench_function("back/contour_virtual_and_real_dowel_search", |b| {
        b.iter(|| measure_back(black_box(&m), black_box(&kp), Some(&crop), &mut det, &cfg, 0.0));
    });
}

criterion_group!(benches, mask, geometry);
criterion_main!(benches);
