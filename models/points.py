#!/usr/bin/env python3
"""Derive the BlazePose "points" landmark models from the committed ones, and check them.

    python points.py [--dir DIR] [--check-only] [IMAGE ...]

``blazepose-lite-points.onnx`` and ``blazepose-full-points.onnx`` are ``blazepose-lite.onnx`` and
``blazepose-full.onnx`` with the segmentation head cut off (``onnx.utils.extract_model`` keeping
every output but ``activation_segmentation``): the same nodes and weights up to the landmarks,
the world landmarks, the pose flag and the heatmap. ONNX Runtime runs every node of a graph,
whichever outputs are asked for, and on this machine the person mask's decoder is about 40% of
the lite model's time. formcheck runs the points model on frames whose mask nothing uses (every
exercise but the hinge, and the hinge's upright frames and those between masked ones) and the
whole model on the others.

Check (always run, also with ``--check-only``): on each IMAGE (default: the corpus stills,
resized to 256x256 in [0, 1]) and on random inputs, every output the points model keeps must be
bit-identical to the whole model's (ONNX Runtime, CPU, 1 thread). Exit status 1 otherwise.

Needs ``onnx`` and ``onnxruntime`` (see requirements-verify.txt), and Pillow for the images.
The heavy model is not cut: it is not a speed target, and its copy would add 55 MB.
"""
import argparse
import glob
import os
import sys

import numpy as np
import onnx
import onnx.utils
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))  # --dir replaces it
VARIANTS = ("lite", "full")
KEPT = ["ld_3d", "world_3d", "output_poseflag", "activation_heatmap"]
INPUT = "input_1"


def cut(variant):
    src = os.path.join(HERE, f"blazepose-{variant}.onnx")
    dst = os.path.join(HERE, f"blazepose-{variant}-points.onnx")
    onnx.utils.extract_model(src, dst, [INPUT], KEPT)
    return src, dst


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def inputs(images):
    rng = np.random.default_rng(0)
    out = [("random %d" % k, rng.random((1, 256, 256, 3), dtype=np.float32)) for k in range(2)]
    if images:
        from PIL import Image

        for p in images:
            img = Image.open(p).convert("RGB").resize((256, 256), Image.BILINEAR)
            out.append((os.path.basename(p), (np.asarray(img, dtype=np.float32) / 255.0)[None]))
    return out


def check(variant, images):
    whole = session(os.path.join(HERE, f"blazepose-{variant}.onnx"))
    points = session(os.path.join(HERE, f"blazepose-{variant}-points.onnx"))
    names = [o.name for o in points.get_outputs()]
    if sorted(names) != sorted(KEPT):
        print(f"{variant}: the points model's outputs are {names}, expected {KEPT}")
        return False
    ok = True
    for label, x in inputs(images):
        a = dict(zip([o.name for o in whole.get_outputs()], whole.run(None, {INPUT: x})))
        b = dict(zip(names, points.run(None, {INPUT: x})))
        worst = max(float(np.max(np.abs(a[n] - b[n]))) for n in names)
        same = all(np.array_equal(a[n], b[n]) for n in names)
        ok &= same
        print(f"{variant:4} {label:40} {'identical' if same else 'DIFFERENT'} (max |diff| {worst:g})")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", help="folder with the models (default: this script's)")
    ap.add_argument("--check-only", action="store_true", help="do not rewrite the files, only check them")
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()
    global HERE
    HERE = os.path.abspath(args.dir or HERE)
    images = args.images or sorted(
        glob.glob("/work/shared/corpus/stills/*.png") + glob.glob("/work/shared/corpus/stills/*.jpg")
    )
    if not args.check_only:
        for v in VARIANTS:
            src, dst = cut(v)
            m = onnx.load(dst)
            print(f"{os.path.basename(dst)}: {len(m.graph.node)} nodes (from {len(onnx.load(src).graph.node)})")
    ok = all([check(v, images) for v in VARIANTS])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
