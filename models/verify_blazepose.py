#!/usr/bin/env python3
"""Check the BlazePose ONNX files against MediaPipe's original .tflite models.

    python verify_blazepose.py --mp-package DIR [--onnx LABEL=DIR ...] [IMAGE ...]

DIR is the unpacked npm tarball of @mediapipe/pose 0.5.x (its ``package/``
directory, with pose_landmark_{lite,full,heavy}.tflite and
pose_solution_packed_assets.data, whose bytes 0..2962288 are
pose_detection.tflite according to the package's loader script).  IMAGE
defaults to every .png/.jpg in /work/shared/corpus/stills.  ``--onnx`` may be
given several times (default: ``shipped=`` this directory, i.e. the committed
files).

Reference runtime: ai-edge-litert's Interpreter (PyPI ``ai-edge-litert``),
falling back to tensorflow's tf.lite.Interpreter; by default with the
builtin kernels only (no XNNPACK delegate; ``--xnnpack`` to use it).
ONNX side: onnxruntime, CPU provider.

Inputs, per image (RGB, bilinear resize with Pillow):
  * a person-centred square: MoveNet Thunder (movenet-thunder.onnx, here)
    two passes as in verify.py, square around its keypoints x1.3, zero
    padded; resized to 256 for the landmark models and to 224 for the
    detector ("crop");
  * the whole frame letterboxed (aspect kept, black bars) to 224 for the
    detector, which is how MediaPipe runs it ("frame").
  Each model is fed the same pixels scaled to [0,1] and to [-1,1].

Reported:
  1. which range the ORIGINAL (.tflite) model expects: detector top score and
     whether its decoded hip centre (keypoint 0) lands on MoveNet's hips;
     landmark pose flag and median distance of 17 BlazePose landmarks from
     MoveNet's keypoints (score > 0.3), in crop sides.
  2. per output, ONNX vs .tflite on the expected range: max and mean
     absolute difference (max over images of the per-image max; mean of the
     per-image means).  The .tflite mask and heatmap are logits (no
     activation in the graph); they are passed through a sigmoid before
     being compared with the ONNX files, which end in a Sigmoid.
  3. raw value ranges, so one can see logits vs probabilities.
"""
import argparse
import glob
import os
import sys

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import verify as mv  # noqa: E402  (MoveNet two-pass crop, square_crop)

DETECTOR_BYTES = 2962288
LANDMARK_TFLITE = {"lite": "pose_landmark_lite.tflite", "full": "pose_landmark_full.tflite",
                   "heavy": "pose_landmark_heavy.tflite"}
# BlazePose landmark index for each COCO keypoint (MoveNet order).
BP_FOR_COCO = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
RANGES = {"[0,1]": lambda u8: u8 / 255.0, "[-1,1]": lambda u8: u8 / 127.5 - 1.0}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -80, 80)))


# ---------------------------------------------------------------- runtimes
def tflite_interpreter(content, xnnpack):
    """content: the .tflite file's bytes."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
        runtime = "ai-edge-litert"
    except ImportError:
        import tensorflow as tf
        Interpreter, OpResolverType = tf.lite.Interpreter, tf.lite.experimental.OpResolverType
        runtime = "tensorflow.lite"
    kw = {} if xnnpack else {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    it = Interpreter(model_content=content, num_threads=2, **kw)
    it.allocate_tensors()
    return it, runtime


def run_tflite(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x.astype(np.float32))
    it.invoke()
    return {d["name"]: np.array(it.get_tensor(d["index"])) for d in it.get_output_details()}


def onnx_session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_onnx(s, x):
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, {s.get_inputs()[0].name: x.astype(np.float32)})))


# ------------------------------------------------------- output normalising
def tflite_detector(out):
    """-> (score logits [2254], regressors [2254,12]) from the .tflite outputs."""
    by_shape = {v.shape[-1]: v[0] for v in out.values()}
    return by_shape[1][:, 0], by_shape[12]


def onnx_detector(out):
    p = out["person"][0]  # [2254, 13]: score logit, then the 12 regressors
    return p[:, 0], p[:, 1:]


def tflite_landmark(out):
    """Name the .tflite outputs by shape, as in the ONNX files (mask and
    heatmap stay logits here)."""
    names = {(1, 195): "ld_3d", (1, 1): "output_poseflag", (1, 256, 256, 1): "activation_segmentation",
             (1, 64, 64, 39): "activation_heatmap", (1, 117): "world_3d"}
    return {names[v.shape]: v for v in out.values()}


def anchors_224():
    """MediaPipe pose_detection SSD anchors: 224 input, 5 layers, strides
    8,16,32,32,32, 2 anchors per layer per cell, layers with the same stride
    merged, fixed anchor size -> 2254 (x, y) centres in [0,1]."""
    out = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        n = 224 // stride
        for y in range(n):
            for x in range(n):
                out += [((x + 0.5) / n, (y + 0.5) / n)] * per_cell
    return np.array(out)


ANCHORS = anchors_224()
assert len(ANCHORS) == 2254


def decode_top(scores, reg):
    """Top-scoring anchor: (sigmoid score, box cx, cy, w, h, kp0..kp3 xy), all
    in input-tensor units [0,1]."""
    i = int(np.argmax(scores))
    r = reg[i] / 224.0
    ax, ay = ANCHORS[i]
    box = np.array([r[0] + ax, r[1] + ay, r[2], r[3]])
    kps = r[4:12].reshape(4, 2) + ANCHORS[i]
    return float(sigmoid(scores[i])), i, box, kps


# ------------------------------------------------------------------ inputs
def letterbox(img, size):
    from PIL import Image
    h, w = img.shape[:2]
    s = size / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    canvas = np.zeros((size, size, 3), np.uint8)
    ox, oy = (size - nw) // 2, (size - nh) // 2
    canvas[oy:oy + nh, ox:ox + nw] = np.asarray(Image.fromarray(img).resize((nw, nh), Image.BILINEAR))
    return canvas, (ox, oy, s)


def movenet_box(sess, img):
    box = mv.full_frame_box(img)
    pts, _, _ = mv.run_movenet(sess, img, box, 256)
    b2 = mv.box_from_keypoints(pts, img.shape)
    if b2 is not None:
        box = b2
        pts, _, _ = mv.run_movenet(sess, img, box, 256)
        b3 = mv.box_from_keypoints(pts, img.shape)
        if b3 is not None:
            box = b3
            pts, _, _ = mv.run_movenet(sess, img, box, 256)
    return box, pts


# ----------------------------------------------------------------- metrics
class Stats:
    def __init__(self):
        self.d = {}

    def add(self, key, a, b):
        diff = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
        if diff.size == 0:
            return
        mx, mn = self.d.get(key, (0.0, []))
        self.d[key] = (max(mx, float(diff.max())), mn + [float(diff.mean())])

    def rows(self):
        return [(k, mx, float(np.mean(mn)), len(mn)) for k, (mx, mn) in self.d.items()]


def compare_detector(st, key, t_sc, t_reg, o_sc, o_reg):
    st.add(key + ("score (sigmoid)",), sigmoid(t_sc), sigmoid(o_sc))
    live = (sigmoid(t_sc) > 0.01) | (sigmoid(o_sc) > 0.01)
    st.add(key + ("score logit, anchors w/ sigmoid>0.01",), t_sc[live], o_sc[live])
    strong = (sigmoid(t_sc) > 0.5) | (sigmoid(o_sc) > 0.5)
    st.add(key + ("regressors px@224, anchors w/ score>0.5",), t_reg[strong], o_reg[strong])
    ts, ti, tb, tk = decode_top(t_sc, t_reg)
    os_, oi, ob, ok = decode_top(o_sc, o_reg)
    st.add(key + ("top detection: same anchor (0=yes)",), [float(ti != oi)], [0.0])
    st.add(key + ("top detection: box px@224",), tb * 224, ob * 224)
    st.add(key + ("top detection: keypoints px@224",), tk * 224, ok * 224)


def compare_landmark(st, key, t, o):
    tl, ol = t["ld_3d"][0].reshape(39, 5), o["ld_3d"][0].reshape(39, 5)
    st.add(key + ("ld_3d x,y (px@256), 33 landmarks",), tl[:33, :2], ol[:33, :2])
    st.add(key + ("ld_3d x,y (px@256), aux 33-38",), tl[33:, :2], ol[33:, :2])
    st.add(key + ("ld_3d z",), tl[:, 2], ol[:, 2])
    st.add(key + ("ld_3d visibility logit",), tl[:, 3], ol[:, 3])
    st.add(key + ("ld_3d presence logit",), tl[:, 4], ol[:, 4])
    st.add(key + ("ld_3d sigmoid(visibility)",), sigmoid(tl[:, 3]), sigmoid(ol[:, 3]))
    st.add(key + ("world_3d (m)",), t["world_3d"], o["world_3d"])
    st.add(key + ("output_poseflag",), t["output_poseflag"], o["output_poseflag"])
    tm, om = sigmoid(t["activation_segmentation"]), o["activation_segmentation"]
    st.add(key + ("activation_segmentation",), tm, om)
    st.add(key + ("mask >0.5 disagreement (fraction)",), [float(((tm > 0.5) != (om > 0.5)).mean())], [0.0])
    st.add(key + ("activation_heatmap",), sigmoid(t["activation_heatmap"]), o["activation_heatmap"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp-package", required=True, help="unpacked @mediapipe/pose npm package dir")
    ap.add_argument("--onnx", action="append", default=[], metavar="LABEL=DIR",
                    help="ONNX set to check (blazepose-{detector,lite,full,heavy}.onnx); default shipped=%s" % HERE)
    ap.add_argument("--models", default="detector,lite,full,heavy")
    ap.add_argument("--xnnpack", action="store_true", help="run the .tflite with the XNNPACK delegate")
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()
    images = args.images or sorted(glob.glob("/work/shared/corpus/stills/*.png") + glob.glob("/work/shared/corpus/stills/*.jpg"))
    if not images:
        sys.exit("no images given and none found in /work/shared/corpus/stills")
    onnx_sets = [s.split("=", 1) for s in (args.onnx or ["shipped=" + HERE])]
    models = args.models.split(",")

    det_path = os.path.join(args.mp_package, "pose_solution_packed_assets.data")
    with open(det_path, "rb") as f:
        det_bytes = f.read()
    print("pose_solution_packed_assets.data: %d bytes, bytes 4..8 = %r (TFLite file identifier 'TFL3')"
          % (len(det_bytes), det_bytes[4:8]))
    if len(det_bytes) < DETECTOR_BYTES or det_bytes[4:8] != b"TFL3":
        sys.exit("detector: not a TFLite flatbuffer of >= %d bytes" % DETECTOR_BYTES)
    tfl = {}
    for m in models:
        if m == "detector":
            name, content = "pose_solution_packed_assets.data[0:%d]" % DETECTOR_BYTES, det_bytes[:DETECTOR_BYTES]
        else:
            name = LANDMARK_TFLITE[m]
            with open(os.path.join(args.mp_package, name), "rb") as f:
                content = f.read()
        tfl[m], runtime = tflite_interpreter(content, args.xnnpack)
        print("tflite %-8s %s  in %s  out %s" % (m, name,
              [(d["name"], list(d["shape"])) for d in tfl[m].get_input_details()],
              [(d["name"], list(d["shape"])) for d in tfl[m].get_output_details()]))
    print("reference runtime: %s (%s); onnxruntime %s" % (runtime, "XNNPACK" if args.xnnpack else "builtin kernels, no delegate", ort.__version__))
    onx = {(lab, m): onnx_session(os.path.join(d, "blazepose-%s.onnx" % m)) for lab, d in onnx_sets for m in models}
    movenet = mv.session(os.path.join(HERE, "movenet-thunder.onnx"), 2)

    st = Stats()
    evid = {}   # (model, range) -> list of per-image plausibility numbers
    ranges = {}  # (model, output) -> [min, max] of raw tflite values
    for path in images:
        img = mv.load_image(path)
        box, pts = movenet_box(movenet, img)
        x0, y0, side = box
        crop256 = mv.square_crop(img, box, 256).astype(np.float32)
        crop224 = mv.square_crop(img, box, 224).astype(np.float32)
        frame224, (ox, oy, s) = letterbox(img, 224)
        good = pts[:, 2] > 0.3
        hips = pts[[11, 12]]
        stem = os.path.basename(path)
        for m in models:
            views = [("crop", crop224, lambda u, v: (x0 + u * side, y0 + v * side)),
                     ("frame", frame224.astype(np.float32), lambda u, v: ((u * 224 - ox) / s, (v * 224 - oy) / s))] \
                if m == "detector" else [("crop", crop256, None)]
            for vname, u8, to_img in views:
                for rname, fn in RANGES.items():
                    x = fn(u8)[None]
                    t = run_tflite(tfl[m], x)
                    if m == "detector":
                        t_sc, t_reg = tflite_detector(t)
                        for k, v in (("score logit", t_sc), ("regressors", t_reg)):
                            r = ranges.setdefault((m, k, rname), [np.inf, -np.inf])
                            r[0], r[1] = min(r[0], float(v.min())), max(r[1], float(v.max()))
                        def hip_check(scores, reg):
                            sc, _, _, kps = decode_top(scores, reg)
                            hx, hy = to_img(*kps[0])
                            if not (hips[:, 2] > 0.3).all():
                                return sc, np.nan
                            hc = hips[:, :2].mean(0)
                            return sc, float(np.hypot(hx - hc[0], hy - hc[1]) / side)
                        evid.setdefault((m, vname, rname, "tflite"), []).append(hip_check(t_sc, t_reg))
                        for lab, _ in onnx_sets:
                            o_sc, o_reg = onnx_detector(run_onnx(onx[(lab, m)], x))
                            evid.setdefault((m, vname, rname, "onnx " + lab), []).append(hip_check(o_sc, o_reg))
                            compare_detector(st, (m, vname, rname, lab), t_sc, t_reg, o_sc, o_reg)
                    else:
                        t = tflite_landmark(t)
                        ld = t["ld_3d"][0].reshape(39, 5)
                        for k, v in (("ld_3d x", ld[:, 0]), ("ld_3d y", ld[:, 1]), ("ld_3d z", ld[:, 2]),
                                     ("ld_3d visibility", ld[:, 3]), ("ld_3d presence", ld[:, 4]),
                                     ("world_3d", t["world_3d"]), ("output_poseflag", t["output_poseflag"]),
                                     ("activation_segmentation (raw)", t["activation_segmentation"]),
                                     ("activation_heatmap (raw)", t["activation_heatmap"])):
                            r = ranges.setdefault((m, k, rname), [np.inf, -np.inf])
                            r[0], r[1] = min(r[0], float(v.min())), max(r[1], float(v.max()))
                        def lm_check(out):
                            ld = out["ld_3d"][0].reshape(39, 5)
                            bp = ld[BP_FOR_COCO, :2] / 256.0 * side + np.array([x0, y0])
                            err = np.hypot(*(bp[good] - pts[good, :2]).T) / side
                            return float(out["output_poseflag"].ravel()[0]), float(np.median(err)) if err.size else np.nan
                        evid.setdefault((m, vname, rname, "tflite"), []).append(lm_check(t))
                        for lab, _ in onnx_sets:
                            o = run_onnx(onx[(lab, m)], x)
                            evid.setdefault((m, vname, rname, "onnx " + lab), []).append(lm_check(o))
                            compare_landmark(st, (m, vname, rname, lab), t, o)
        print("done %s (crop x0=%.0f y0=%.0f side=%.0f)" % (stem, x0, y0, side), flush=True)

    print("\n## 1. Input range each model expects, and plausibility per model file (%d images)" % len(images))
    print("Error vs MoveNet: detector = its top detection's hip centre (keypoint 0) vs MoveNet's mid-hip; "
          "landmarks = median over the 17 COCO-equivalent landmarks; in crop sides.")
    print("| model | input | range | run | mean top score / pose flag | images with score/flag > 0.5 | median error vs MoveNet |")
    print("|---|---|---|---|---|---|---|")
    for (m, v, r, src), vals in sorted(evid.items()):
        a = np.array(vals)
        print("| %s | %s | %s | %s | %.3f | %d/%d | %.3f |" % (m, v, r, src, np.nanmean(a[:, 0]), int((a[:, 0] > 0.5).sum()),
                                                          len(a), np.nanmedian(a[:, 1])))

    print("\n## 2. ONNX vs .tflite (max abs = max over images, mean abs = mean of per-image means)")
    print("| model | input | range | onnx set | output | max abs diff | mean abs diff | n |")
    print("|---|---|---|---|---|---|---|---|")
    for (m, v, r, lab, out), mx, mn, n in st.rows():
        print("| %s | %s | %s | %s | %s | %.3g | %.3g | %d |" % (m, v, r, lab, out, mx, mn, n))

    print("\n## 3. Raw .tflite output ranges over all images")
    print("| model | output | range fed | min | max |")
    print("|---|---|---|---|---|")
    for (m, k, r), (lo, hi) in ranges.items():
        print("| %s | %s | %s | %.4g | %.4g |" % (m, k, r, lo, hi))
    return 0


if __name__ == "__main__":
    sys.exit(main())
