#!/usr/bin/env python3
"""Sanity-check and time the ONNX models in this directory with onnxruntime.

    python verify.py [options] [IMAGE ...]

Needs numpy, onnxruntime and (only when images are given) Pillow.

For every image:
  * MoveNet (lightning and thunder): two passes, as in the MoveNet tutorials:
    pass 1 on the whole frame zero-padded to a square, pass 2 on a square crop
    around the pass-1 keypoints (--no-crop: pass 1 only; --crop x0,y0,x1,y1:
    use that box).  Prints the 17 keypoints in image pixels and a few checks.
  * Selfie segmentation, fed (a) the same square crop and (b) the whole frame
    squashed to 256x256 (as MediaPipe does), each with the input scaled to
    [0,1] and to [-1,1]; reports the mean mask value on the person (samples
    along the MoveNet skeleton) and on the background (inside the image,
    outside the keypoint box grown by --bg-margin) for each combination.
  * --out-dir DIR writes overlays (skeleton, masks) as PNG for eyeballing.

Always: times each model (intra_op_num_threads=--threads, inter_op 1,
median/p90 over --runs runs after --warmup runs) on the last real input, or
on a synthetic input when no image is given.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))

KEYPOINTS = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
EDGES = [
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
]
# Torso/limb segments used to sample "surely on the person" pixels.
BODY_EDGES = [(5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12),
              (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (5, 12), (6, 11)]

MOVENET = {"movenet-lightning": 192, "movenet-thunder": 256}
SELFIE = "selfie"


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def describe(name, sess):
    for i in sess.get_inputs():
        print("  %-18s input  %-14r %-14s %s" % (name, i.name, i.type, i.shape))
    for o in sess.get_outputs():
        print("  %-18s output %-14r %-14s %s" % (name, o.name, o.type, o.shape))


def load_image(path):
    from PIL import Image  # imported lazily: only needed with images
    return np.asarray(Image.open(path).convert("RGB"))


def square_crop(img, box, size):
    """Crop square box (x0, y0, side) from HxWx3 uint8 img, zero-padding what
    falls outside the image, and resize to size x size (bilinear)."""
    from PIL import Image
    x0, y0, side = box
    h, w = img.shape[:2]
    side_i = int(round(side))
    canvas = np.zeros((side_i, side_i, 3), np.uint8)
    xi0, yi0 = int(round(x0)), int(round(y0))
    sx0, sy0 = max(xi0, 0), max(yi0, 0)
    sx1, sy1 = min(xi0 + side_i, w), min(yi0 + side_i, h)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - yi0:sy1 - yi0, sx0 - xi0:sx1 - xi0] = img[sy0:sy1, sx0:sx1]
    return np.asarray(Image.fromarray(canvas).resize((size, size), Image.BILINEAR))


def run_movenet(sess, img, box, size):
    inp = square_crop(img, box, size).astype(np.int32)[None]  # [1,H,W,3] int32 0..255 RGB
    out = sess.run(None, {sess.get_inputs()[0].name: inp})[0]  # [1,1,17,3] (y, x, score)
    kp = out[0, 0].astype(np.float64)
    x0, y0, side = box
    pts = np.stack([x0 + kp[:, 1] * side, y0 + kp[:, 0] * side, kp[:, 2]], axis=1)  # x, y, score in pixels
    return pts, inp, out


def box_from_keypoints(pts, img_shape, min_score=0.2, scale=1.3):
    good = pts[pts[:, 2] > min_score]
    h, w = img_shape[:2]
    if len(good) < 4:
        return None
    xmin, ymin = good[:, 0].min(), good[:, 1].min()
    xmax, ymax = good[:, 0].max(), good[:, 1].max()
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    side = max(xmax - xmin, ymax - ymin) * scale
    side = max(side, 0.25 * min(h, w))
    return (cx - side / 2, cy - side / 2, side)


def full_frame_box(img):
    h, w = img.shape[:2]
    side = max(h, w)
    return ((w - side) / 2, (h - side) / 2, side)


def print_keypoints(name, pts, box):
    print("  %s  crop x0=%.0f y0=%.0f side=%.0f" % (name, *box))
    for k, (x, y, s) in zip(KEYPOINTS, pts):
        print("    %-15s x=%7.1f y=%7.1f score=%.3f" % (k, x, y, s))
    sc = pts[:, 2]
    nose_y = pts[0, 1]
    hip_y = (pts[11, 1] + pts[12, 1]) / 2
    ank_y = (pts[15, 1] + pts[16, 1]) / 2
    print("    mean score %.3f, %d/17 joints > 0.3; nose %s hips (nose y %.0f, hips y %.0f); "
          "ankles %s hips" % (sc.mean(), int((sc > 0.3).sum()),
                              "above" if nose_y < hip_y else "BELOW", nose_y, hip_y,
                              "below" if ank_y > hip_y else "ABOVE"))
    return sc


def skeleton_samples(pts, min_score=0.3, n=25):
    """Points (x, y in image pixels) along body segments of confident joints."""
    out = []
    for a, b in BODY_EDGES:
        if pts[a, 2] > min_score and pts[b, 2] > min_score:
            for t in np.linspace(0, 1, n):
                out.append(pts[a, :2] * (1 - t) + pts[b, :2] * t)
    return np.array(out).reshape(-1, 2)


def selfie_views(img, box):
    """Two ways to feed the selfie model, each as (uint8 256x256x3 input,
    mask (u, v in 0..1) -> image pixels, image pixels -> mask (u, v))."""
    from PIL import Image
    h, w = img.shape[:2]
    x0, y0, side = box
    return {
        # same square crop as MoveNet (zero padding where it leaves the frame)
        "crop": (square_crop(img, box, 256), lambda u, v: (x0 + u * side, y0 + v * side),
                 lambda x, y: ((x - x0) / side, (y - y0) / side)),
        # MediaPipe style: whole frame squashed to 256x256, aspect ratio not kept
        "frame": (np.asarray(Image.fromarray(img).resize((256, 256), Image.BILINEAR)),
                  lambda u, v: (u * w, v * h), lambda x, y: (x / w, y / h)),
    }


def run_selfie(sess, img, box, pts, bg_margin):
    """Returns {(view, range): (mask, on_mean, bg_mean, on_frac, bg_frac, input)}.

    on = mask at points along the MoveNet skeleton (surely person);
    bg = mask where the pixel is inside the image and outside the keypoint
    box grown by bg_margin * max(box w, box h) (surely background)."""
    h, w = img.shape[:2]
    samples = skeleton_samples(pts)
    good = pts[pts[:, 2] > 0.3]
    res = {}
    for vname, (u8, to_img, to_mask) in selfie_views(img, box).items():
        x = u8.astype(np.float32)
        for rname, inp in (("[0,1]", x / 255.0), ("[-1,1]", x / 127.5 - 1.0)):
            mask = sess.run(None, {sess.get_inputs()[0].name: inp[None].astype(np.float32)})[0][0, :, :, 0]
            hs, ws = mask.shape
            vv, uu = np.mgrid[0:hs, 0:ws]
            px, py = to_img((uu + 0.5) / ws, (vv + 0.5) / hs)
            on = np.array([np.nan])
            if len(samples):
                su, sv = to_mask(samples[:, 0], samples[:, 1])
                on = mask[np.clip((sv * hs).astype(int), 0, hs - 1), np.clip((su * ws).astype(int), 0, ws - 1)]
            bg = np.array([np.nan])
            if len(good):
                m = bg_margin * max(np.ptp(good[:, 0]), np.ptp(good[:, 1]))
                inside_box = ((px >= good[:, 0].min() - m) & (px <= good[:, 0].max() + m)
                              & (py >= good[:, 1].min() - m) & (py <= good[:, 1].max() + m))
                in_img = (px >= 0) & (px < w) & (py >= 0) & (py < h)
                sel = mask[in_img & ~inside_box]
                if sel.size:
                    bg = sel
            res[(vname, rname)] = (mask, float(on.mean()), float(bg.mean()),
                                   float((on > 0.5).mean()), float((bg < 0.5).mean()), inp)
    return res


def timeit(sess, feed, runs, warmup):
    for _ in range(warmup):
        sess.run(None, feed)
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess.run(None, feed)
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return statistics.median(ts), ts[int(0.9 * (len(ts) - 1))], ts[0]


def save_overlays(out_dir, stem, img, box, results):
    from PIL import Image, ImageDraw
    os.makedirs(out_dir, exist_ok=True)
    crop = square_crop(img, box, 512)
    x0, y0, side = box
    for name, pts in results["movenet"].items():
        im = Image.fromarray(crop.copy())
        d = ImageDraw.Draw(im)
        p = [((x - x0) / side * 512, (y - y0) / side * 512, s) for x, y, s in pts]
        for a, b in EDGES:
            if p[a][2] > 0.3 and p[b][2] > 0.3:
                d.line([p[a][:2], p[b][:2]], fill=(0, 255, 0), width=3)
        for x, y, s in p:
            c = (255, 0, 0) if s > 0.3 else (255, 255, 0)
            d.ellipse([x - 4, y - 4, x + 4, y + 4], outline=c, width=2)
        im.save(os.path.join(out_dir, "%s_%s.png" % (stem, name)))
    views = selfie_views(img, box)
    for (vname, rname), (mask, *_rest) in results.get("selfie", {}).items():
        base = views[vname][0]
        m = np.asarray(Image.fromarray((np.clip(mask, 0, 1) * 255).astype(np.uint8)).resize((512, 512)))
        tint = np.asarray(Image.fromarray(base).resize((512, 512))).astype(np.float32) * 0.5
        tint[..., 1] += m.astype(np.float32) * 0.5
        both = np.concatenate([np.clip(tint, 0, 255).astype(np.uint8),
                               np.repeat(m[..., None], 3, axis=2)], axis=1)
        tag = "01" if rname == "[0,1]" else "pm1"
        Image.fromarray(both).save(os.path.join(out_dir, "%s_selfie_%s_%s.png" % (stem, vname, tag)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*")
    ap.add_argument("--models-dir", default=HERE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--no-crop", action="store_true", help="MoveNet pass 1 only (whole frame)")
    ap.add_argument("--crop", help="x0,y0,x1,y1 box in pixels (made square) instead of auto crop")
    ap.add_argument("--bg-margin", type=float, default=0.15,
                    help="background = outside the keypoint box grown by this fraction of its size")
    ap.add_argument("--out-dir", help="write overlay PNGs here")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args()

    print("onnxruntime %s, numpy %s, %d intra-op threads" % (ort.__version__, np.__version__, args.threads))
    sessions = {}
    for name in list(MOVENET) + [SELFIE]:
        path = os.path.join(args.models_dir, name + ".onnx")
        if not os.path.exists(path):
            print("  missing %s" % path)
            continue
        sessions[name] = session(path, args.threads)
        describe(name, sessions[name])

    feeds = {}
    ok = True
    selfie_tally = {}
    for path in args.images:
        img = load_image(path)
        stem = os.path.splitext(os.path.basename(path))[0]
        print("\n== %s (%dx%d)" % (path, img.shape[1], img.shape[0]))
        results = {"movenet": {}}
        crop_box = None
        for name, size in MOVENET.items():
            if name not in sessions:
                continue
            sess = sessions[name]
            if args.crop:
                x0, y0, x1, y1 = [float(v) for v in args.crop.split(",")]
                side = max(x1 - x0, y1 - y0)
                box = ((x0 + x1 - side) / 2, (y0 + y1 - side) / 2, side)
            else:
                box = full_frame_box(img)
                pts, _, _ = run_movenet(sess, img, box, size)
                if not args.no_crop:
                    print_keypoints(name + " pass 1 (full frame)", pts, box)
                    box = box_from_keypoints(pts, img.shape) or box
            pts, inp, _ = run_movenet(sess, img, box, size)
            sc = print_keypoints(name, pts, box)
            ok &= (sc > 0.3).sum() >= 12
            results["movenet"][name] = pts
            feeds[name] = {sess.get_inputs()[0].name: inp}
            if name == "movenet-thunder" or crop_box is None:
                crop_box, crop_pts = box, pts
        if SELFIE in sessions and crop_box is not None:
            res = run_selfie(sessions[SELFIE], img, crop_box, crop_pts, args.bg_margin)
            results["selfie"] = res
            print("  selfie (crop = MoveNet's square crop, frame = whole frame squashed to 256x256):")
            for (vname, rname), (mask, on, bg, on_frac, bg_frac, inp) in res.items():
                print("    %-5s input %-7s on person mean %.3f (%3.0f%% > 0.5) | background mean %.3f "
                      "(%3.0f%% < 0.5) | separation %.3f"
                      % (vname, rname, on, 100 * on_frac, bg, 100 * bg_frac, on - bg))
                if not np.isnan(on - bg):
                    selfie_tally.setdefault((vname, rname), []).append(on - bg)
            feeds[SELFIE] = {sessions[SELFIE].get_inputs()[0].name:
                             res[("frame", "[0,1]")][5][None].astype(np.float32)}
        if args.out_dir:
            save_overlays(args.out_dir, stem, img, crop_box, results)

    if selfie_tally:
        print("\nselfie mean separation (on-person minus background) over images:")
        for k, v in selfie_tally.items():
            print("  %-5s %-7s %.3f  (n=%d)" % (k[0], k[1], float(np.mean(v)), len(v)))

    if not args.no_timing:
        print("\ntiming (ms per frame, intra_op_num_threads=%d, %d runs after %d warm-up):"
              % (args.threads, args.runs, args.warmup))
        rng = np.random.default_rng(0)
        for name, sess in sessions.items():
            feed = feeds.get(name)
            if feed is None:
                i = sess.get_inputs()[0]
                shape = [d if isinstance(d, int) else 1 for d in i.shape]
                if i.type == "tensor(int32)":
                    feed = {i.name: rng.integers(0, 256, shape, dtype=np.int32)}
                else:
                    feed = {i.name: rng.random(shape, dtype=np.float32)}
            med, p90, best = timeit(sess, feed, args.runs, args.warmup)
            print("  %-18s median %6.2f  p90 %6.2f  min %6.2f" % (name, med, p90, best))
    if args.images and not ok:
        print("\nWARNING: some MoveNet run had fewer than 12 joints with score > 0.3")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
