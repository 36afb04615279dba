//! BlazePose's person detector: SSD anchors, decoding the raw `[1, 2254, 13]` output, and
//! MediaPipe's weighted non-max suppression. Pure arithmetic; the model run is in [`super::BlazePose`].
//!
//! Settings are those of MediaPipe's `pose_detection_cpu.pbtxt` (`SsdAnchorsCalculator`,
//! `TensorsToDetectionsCalculator`, `NonMaxSuppressionCalculator`); see the table in [`super`].

/// Side of the detector's square input.
pub const DETECTOR_SIDE: usize = 224;
/// Number of SSD anchors (and of rows in the detector's output).
pub const ANCHOR_COUNT: usize = 2254;
/// Values per anchor in the converted model's output: the score logit, then box x, y, w, h, then
/// four keypoints (x, y), all offsets in input pixels.
pub const VALUES_PER_ANCHOR: usize = 13;

const NUM_LAYERS: usize = 5;
const STRIDES: [usize; NUM_LAYERS] = [8, 16, 32, 32, 32];
/// `TensorsToDetectionsCalculator.score_clipping_thresh`.
const SCORE_CLIP: f32 = 100.0;
/// `NonMaxSuppressionCalculator.min_suppression_threshold` (IoU).
const NMS_IOU: f32 = 0.3;

/// One SSD anchor: centre in normalised input coordinates (0..1) and size (`fixed_anchor_size`: 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// MediaPipe's `SsdAnchorsCalculator` with the pose detector's options: 5 layers, scales 0.1484375
/// to 0.75, strides 8, 16, 32, 32, 32, aspect ratio 1 plus the interpolated scale, offsets 0.5,
/// fixed anchor size. Layers of equal stride share one grid (each adds its two anchors per cell),
/// giving 28²·2 + 14²·2 + 7²·6 = 2254 anchors, in the model's order: grid row, column, anchor.
#[must_use]
pub fn anchors() -> Vec<Anchor> {
    let mut out = Vec::with_capacity(ANCHOR_COUNT);
    let mut layer = 0;
    while layer < NUM_LAYERS {
        // The anchors per cell of this stride: two per layer of that stride (the sizes are unused
        // with a fixed anchor size, only the count matters).
        let mut per_cell = 0;
        let mut last = layer;
        while last < NUM_LAYERS && STRIDES[last] == STRIDES[layer] {
            per_cell += 2;
            last += 1;
        }
        let fm = DETECTOR_SIDE.div_ceil(STRIDES[layer]);
        for y in 0..fm {
            for x in 0..fm {
                for _ in 0..per_cell {
                    let cx = (x as f32 + 0.5) / fm as f32;
                    let cy = (y as f32 + 0.5) / fm as f32;
                    out.push(Anchor { x: cx, y: cy, w: 1.0, h: 1.0 });
                }
            }
        }
        layer = last;
    }
    out
}

/// The scale MediaPipe gives layer `i` (kept for the record: unused with a fixed anchor size).
#[cfg(test)]
fn layer_scale(i: usize) -> f32 {
    const MIN_SCALE: f32 = 0.148_437_5;
    const MAX_SCALE: f32 = 0.75;
    MIN_SCALE + (MAX_SCALE - MIN_SCALE) * i as f32 / (NUM_LAYERS - 1) as f32
}

/// One detected person, in normalised coordinates of the detector's (letterboxed) input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Box: centre x, centre y, width, height.
    pub bbox: [f32; 4],
    /// Keypoints: 0 mid-hip, 1 full-body size and rotation, 2 mid-shoulder, 3 upper-body size.
    pub keypoints: [[f32; 2]; 4],
}

impl Detection {
    fn corners(&self) -> [f32; 4] {
        let [cx, cy, w, h] = self.bbox;
        [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
    }

    /// Intersection over union of the two boxes.
    #[must_use]
    pub fn iou(&self, other: &Detection) -> f32 {
        let (a, b) = (self.corners(), other.corners());
        let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
        let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
        let inter = iw * ih;
        let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes the detector's raw output (`anchors.len() x 13`) into the detections scoring at least
/// `min_score` (sigmoid of the logit clipped to ±100), boxes and keypoints relative to their anchor
/// (`x / 224 * anchor.w + anchor.x`, MediaPipe's x/y/w/h scales of 224).
#[must_use]
pub fn decode(raw: &[f32], anchors: &[Anchor], min_score: f32) -> Vec<Detection> {
    let scale = DETECTOR_SIDE as f32;
    raw.chunks_exact(VALUES_PER_ANCHOR)
        .zip(anchors)
        .filter_map(|(r, a)| {
            let score = sigmoid(r[0].clamp(-SCORE_CLIP, SCORE_CLIP));
            // A NaN score fails too.
            if score.partial_cmp(&min_score).is_none_or(std::cmp::Ordering::is_lt) {
                return None;
            }
            let bbox = [r[1] / scale * a.w + a.x, r[2] / scale * a.h + a.y, r[3] / scale * a.w, r[4] / scale * a.h];
            let mut keypoints = [[0.0; 2]; 4];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                *kp = [r[5 + 2 * k] / scale * a.w + a.x, r[6 + 2 * k] / scale * a.h + a.y];
            }
            Some(Detection { score, bbox, keypoints })
        })
        .collect()
}

/// The best detection after MediaPipe's weighted non-max suppression: the highest-scoring
/// detection, its box and keypoints replaced by the score-weighted mean over every detection
/// overlapping it by more than IoU 0.3 (itself included). MediaPipe's pose graph keeps only the
/// first detection, so only that one is computed.
#[must_use]
pub fn best_weighted(detections: &[Detection]) -> Option<Detection> {
    let top = detections.iter().max_by(|a, b| a.score.total_cmp(&b.score))?;
    let mut total = 0.0;
    let mut bbox = [0.0f32; 4];
    let mut kps = [[0.0f32; 2]; 4];
    for d in detections.iter().filter(|d| d.iou(top) > NMS_IOU || std::ptr::eq(*d, top)) {
        total += d.score;
        for (acc, v) in bbox.iter_mut().zip(d.bbox) {
            *acc += v * d.score;
        }
        for (acc, v) in kps.iter_mut().zip(d.keypoints) {
            acc[0] += v[0] * d.score;
            acc[1] += v[1] * d.score;
        }
    }
    Some(Detection {
        score: top.score,
        bbox: bbox.map(|v| v / total),
        keypoints: kps.map(|[x, y]| [x / total, y / total]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_count_and_hand_computed_centres() {
        let a = anchors();
        assert_eq!(a.len(), ANCHOR_COUNT);
        // Stride 8: a 28x28 grid, two anchors per cell.
        assert_eq!(a[0], Anchor { x: 0.5 / 28.0, y: 0.5 / 28.0, w: 1.0, h: 1.0 });
        assert_eq!(a[1], a[0]);
        assert_eq!((a[2].x, a[2].y), (1.5 / 28.0, 0.5 / 28.0));
        assert_eq!((a[56].x, a[56].y), (0.5 / 28.0, 1.5 / 28.0), "row 1 starts after 28 cells x 2");
        // Stride 16 starts at 28*28*2 = 1568: a 14x14 grid, two per cell.
        assert_eq!((a[1568].x, a[1568].y), (0.5 / 14.0, 0.5 / 14.0));
        assert_eq!((a[1567].x, a[1567].y), (27.5 / 28.0, 27.5 / 28.0));
        // Stride 32 (three layers merged) starts at 1568 + 392 = 1960: 7x7, six per cell.
        for (i, anchor) in a.iter().enumerate().take(1966).skip(1960) {
            assert_eq!((anchor.x, anchor.y), (0.5 / 7.0, 0.5 / 7.0), "anchor {i}");
        }
        assert_eq!((a[1966].x, a[1966].y), (1.5 / 7.0, 0.5 / 7.0));
        assert_eq!((a[2253].x, a[2253].y), (6.5 / 7.0, 6.5 / 7.0));
        assert!(a.iter().all(|a| a.w == 1.0 && a.h == 1.0), "fixed anchor size");
        assert_eq!(layer_scale(0), 0.148_437_5);
        assert_eq!(layer_scale(4), 0.75);
    }

    #[test]
    fn decodes_relative_to_the_anchor_and_thresholds_the_sigmoid() {
        let a = anchors();
        let mut raw = vec![-50.0f32; ANCHOR_COUNT * VALUES_PER_ANCHOR];
        // Anchor 1568 (centre 0.5/14): logit 2 (score 0.881), box offset (+22.4, -11.2) px, 44.8 px wide.
        let r = &mut raw[1568 * 13..1569 * 13];
        r.copy_from_slice(&[2.0, 22.4, -11.2, 44.8, 67.2, 0.0, 0.0, 0.0, -22.4, 0.0, 0.0, 0.0, 0.0]);
        // A clipped logit far beyond 100 still decodes to a score of at most 1.
        raw[0] = 1e6;
        let d = decode(&raw, &a, 0.5);
        assert_eq!(d.len(), 2);
        let det = d.iter().find(|d| d.score < 0.99).unwrap();
        assert!((det.score - 0.880_797).abs() < 1e-5);
        let c = 0.5 / 14.0;
        let close = |x: f32, y: f32| (x - y).abs() < 1e-6;
        assert!(close(det.bbox[0], c + 0.1) && close(det.bbox[1], c - 0.05), "{:?}", det.bbox);
        assert!(close(det.bbox[2], 0.2) && close(det.bbox[3], 0.3));
        assert!(close(det.keypoints[0][0], c) && close(det.keypoints[1][1], c - 0.1));
        assert!(d.iter().any(|d| d.score <= 1.0 && d.score > 0.99));
        assert!(decode(&raw, &a, 0.95).len() == 1, "0.881 is under 0.95");
    }

    #[test]
    fn weighted_nms_averages_the_overlapping_cluster_only() {
        let det = |score: f32, cx: f32| Detection {
            score,
            bbox: [cx, 0.5, 0.2, 0.2],
            keypoints: [[cx, 0.5], [cx, 0.3], [0.0; 2], [0.0; 2]],
        };
        // 0.9 at x 0.50 and 0.3 at 0.52 overlap (IoU 0.82); 0.8 at 0.9 does not.
        let dets = [det(0.9, 0.5), det(0.8, 0.9), det(0.3, 0.52)];
        let best = best_weighted(&dets).unwrap();
        assert_eq!(best.score, 0.9);
        let want = (0.9 * 0.5 + 0.3 * 0.52) / 1.2;
        assert!((best.bbox[0] - want).abs() < 1e-6 && (best.keypoints[0][0] - want).abs() < 1e-6);
        assert!(best_weighted(&[]).is_none());
    }
}
