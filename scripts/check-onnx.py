#!/usr/bin/python3
"""onnx's own checker on files gradwasm's toOnnx writes (issue 19): the full check — the model's
structure, every node against its operator's schema at the file's opset, and strict shape and
type inference, which must agree with the outputs the file declares.

Run: /usr/bin/python3 scripts/check-onnx.py model.onnx [more.onnx ...]   (Debian's python3-onnx, 1.12)

Files come from the command line, after npm run build:
    node dist/cli.js export model.json --onnx model.onnx
Tests never run Python (test/onnx.test.ts runs the files in onnxruntime-web); this is run by hand
or in CI. Prints what each file holds; exits with status 1 if any file fails the check.
"""
import sys

import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, checker, shape_inference


def shape(value):
    """A ValueInfoProto as `name: type [dims]`, a dynamic dimension by its name."""
    t = value.type.tensor_type
    dims = [d.dim_param or str(d.dim_value) for d in t.shape.dim]
    return f"{value.name}: {TensorProto.DataType.Name(t.elem_type).lower()} [{', '.join(dims)}]"


def check(path):
    model = onnx.load(path)
    checker.check_model(model, full_check=True)
    # full_check already infers strictly; inferring again here shows what onnx derives for the outputs
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(f"{path}: passes onnx {onnx.__version__}'s full check")
    print(f"  IR {model.ir_version}, opset {opsets}, producer {model.producer_name} {model.producer_version}")
    print(f"  inputs:  {'; '.join(shape(v) for v in model.graph.input)}")
    print(f"  outputs: {'; '.join(shape(v) for v in model.graph.output)}")
    print(f"  inferred outputs: {'; '.join(shape(v) for v in inferred.graph.output)}")
    print(f"  nodes: {', '.join(f'{op} x{n}' for op, n in ops.items())}")
    print(f"  metadata: {', '.join(p.key for p in model.metadata_props) or 'none'}")
    print(f"  doc_string: {model.doc_string}")


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            check(path)
        except (checker.ValidationError, shape_inference.InferenceError, DecodeError, OSError) as error:
            print(f"{path}: FAILS: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
