#!/usr/bin/python3
"""qdq.py: quantize a float CIFAR ResNet ONNX model with edgecache's calibration.

    /usr/bin/python3 tools/ort/qdq.py MODEL.onnx RANGES.json OUT.onnx

RANGES.json is what quant.Model.Ranges writes for the same network (format
edgecache-quant-ranges/1): the uint8 scale and zero point of the input and of
every activation tensor, in forward order. The output is a QDQ graph
(QuantizeLinear/DequantizeLinear pairs, ONNX opset 13) that ONNX Runtime turns
into its int8 kernels (QLinearConv, QLinearAdd, ...), so its int8 speed can be
measured on the same model, calibrated the same way, as ours:

  - activations: uint8, per tensor, exactly our scale and zero point;
  - weights: int8 symmetric per output channel (axis 0), scale max|w|/127,
    recomputed here from the float weights, as quant.Quantize does;
  - biases: int32, scale input scale x weight scale, zero point 0.

Tensors are matched by graph structure, not by name: the stem Conv+Relu, then
per residual block the Conv+Relu, the 3x3 Conv and (shortcut B) the 1x1 Conv
feeding the Add, and the Relu after it. A graph of another shape is refused
with an error naming what did not match.
"""
import json
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, version_converter, TensorProto

FORMAT = "edgecache-quant-ranges/1"


def fail(msg):
    sys.exit("qdq.py: " + msg)


def main(argv):
    if len(argv) != 4:
        fail("usage: qdq.py MODEL.onnx RANGES.json OUT.onnx")
    model = onnx.load(argv[1])
    with open(argv[2]) as f:
        ranges = json.load(f)
    if ranges.get("format") != FORMAT:
        fail("%s: format %r, want %r" % (argv[2], ranges.get("format"), FORMAT))
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:  # per-axis DequantizeLinear needs opset 13
        model = version_converter.convert_version(model, 13)
    onnx.checker.check_model(model)
    g = model.graph
    params = match(g, ranges["tensors"])
    quantize(g, params)
    onnx.checker.check_model(model)
    onnx.save(model, argv[3])
    print("qdq.py: %s: %d activation tensors and %d weight tensors quantized"
          % (argv[3], len(params), sum(n.op_type in ("Conv", "Gemm") for n in g.node)))


def match(g, tensors):
    """Returns {onnx tensor name: (scale, zero point)} for every activation."""
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    inputs = [i.name for i in g.input if i.name not in inits]
    if len(inputs) != 1:
        fail("graph has %d inputs, want 1" % len(inputs))

    def kernel(conv):
        return list(inits[conv.input[1]].dims[2:]) if conv.input[1] in inits else None

    def relu_after(t):
        cs = consumers.get(t, [])
        return cs[0].output[0] if len(cs) == 1 and cs[0].op_type == "Relu" else None

    # Walk the graph's own (topological) order.
    found = [("input", inputs[0])]
    convs = [n for n in g.node if n.op_type == "Conv"]
    if not convs:
        fail("no Conv nodes")
    stem = relu_after(convs[0].output[0])
    if stem is None:
        fail("the first Conv is not followed by a Relu")
    found.append(("conv_relu", stem))
    for add in (n for n in g.node if n.op_type == "Add"):
        ins = [producer.get(i) for i in add.input]
        three = [n for n in ins if n is not None and n.op_type == "Conv" and kernel(n) == [3, 3]]
        one = [n for n in ins if n is not None and n.op_type == "Conv" and kernel(n) == [1, 1]]
        if len(three) != 1:
            fail("Add %s has no single 3x3 Conv input" % add.name)
        conv2 = three[0]
        mid = producer.get(conv2.input[0])
        if mid is None or mid.op_type != "Relu":
            fail("Conv %s does not follow a Relu" % conv2.name)
        out = relu_after(add.output[0])
        if out is None:
            fail("Add %s is not followed by a Relu" % add.name)
        found.append(("conv_relu", mid.output[0]))
        found.append(("conv", conv2.output[0]))
        if one:
            found.append(("conv", one[0].output[0]))
        found.append(("add_relu", out))
    if len(found) != len(tensors):
        fail("graph has %d quantizable activations, ranges list %d (another architecture?)" % (len(found), len(tensors)))
    params = {}
    for (kind, name), r in zip(found, tensors):
        if kind != r["kind"]:
            fail("tensor %s is a %s in the graph but %s (%s) in the ranges" % (name, kind, r["name"], r["kind"]))
        params[name] = (np.float32(r["scale"]), np.uint8(r["zero_point"]))
    # The pool and the flatten before the final layer keep the last block's
    # quantization (as quant's average pool does).
    t = found[-1][1]
    while True:
        cs = consumers.get(t, [])
        if len(cs) != 1 or cs[0].op_type not in ("GlobalAveragePool", "Reshape", "Flatten"):
            break
        t = cs[0].output[0]
        params[t] = params[found[-1][1]]
    return params


def quantize(g, params):
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits = [], []
    # Activations: T -> QuantizeLinear -> DequantizeLinear -> T_dq, consumers
    # rewired to T_dq.
    for t, (scale, zero) in params.items():
        s, z = t + "_scale", t + "_zero_point"
        new_inits += [numpy_helper.from_array(np.array(scale, np.float32), s),
                      numpy_helper.from_array(np.array(zero, np.uint8), z)]
        for n in g.node:
            for i, name in enumerate(n.input):
                if name == t:
                    n.input[i] = t + "_dq"
        for o in g.output:
            if o.name == t:
                fail("graph output %s is an activation the ranges quantize" % t)
        new_nodes.append((t, [helper.make_node("QuantizeLinear", [t, s, z], [t + "_q"], name=t + "_Q"),
                              helper.make_node("DequantizeLinear", [t + "_q", s, z], [t + "_dq"], name=t + "_DQ")]))
    # Weights and biases of every Conv and Gemm.
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        src = n.input[0][:-3] if n.input[0].endswith("_dq") else None
        if src not in params:
            fail("%s %s: its input is not a quantized activation" % (n.op_type, n.name))
        in_scale = params[src][0]
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        axis = 0
        if n.op_type == "Gemm":
            trans_b = next((a.i for a in n.attribute if a.name == "transB"), 0)
            if not trans_b:
                w, axis = w.T, 1
        rows = w.reshape(w.shape[0], -1)
        wscale = np.abs(rows).max(axis=1) / 127
        wscale[wscale == 0] = 1
        wscale = wscale.astype(np.float32)
        q = np.clip(np.round(rows / wscale[:, None]), -127, 127).astype(np.int8).reshape(w.shape)
        if axis == 1:
            q = q.T
        base = n.input[1]
        new_inits += [numpy_helper.from_array(q, base + "_q"),
                      numpy_helper.from_array(wscale, base + "_scale"),
                      numpy_helper.from_array(np.zeros(len(wscale), np.int8), base + "_zero_point")]
        new_nodes.append((None, [helper.make_node("DequantizeLinear", [base + "_q", base + "_scale", base + "_zero_point"],
                                                  [base + "_dq"], axis=axis, name=base + "_DQ")]))
        n.input[1] = base + "_dq"
        if len(n.input) > 2 and n.input[2]:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
            bscale = (np.float64(in_scale) * wscale.astype(np.float64))
            bq = np.clip(np.round(b / bscale), -2**31, 2**31 - 1).astype(np.int32)
            bb = n.input[2]
            new_inits += [numpy_helper.from_array(bq, bb + "_q"),
                          numpy_helper.from_array(bscale.astype(np.float32), bb + "_scale"),
                          numpy_helper.from_array(np.zeros(len(bq), np.int32), bb + "_zero_point")]
            new_nodes.append((None, [helper.make_node("DequantizeLinear", [bb + "_q", bb + "_scale", bb + "_zero_point"],
                                                      [bb + "_dq"], axis=0, name=bb + "_DQ")]))
            n.input[2] = bb + "_dq"
    # Rebuild the node list in topological order: weight DQs first, each
    # activation's Q/DQ right after its producer (or first, for the input).
    used = {n.input[1] for n in g.node if n.op_type in ("Conv", "Gemm")}
    used |= {n.input[2] for n in g.node if n.op_type in ("Conv", "Gemm") and len(n.input) > 2}
    old = list(g.node)
    after = {t: ns for t, ns in new_nodes if t is not None}
    order = [x for t, ns in new_nodes if t is None for x in ns]
    graph_inputs = {i.name for i in g.input}
    for t in list(after):
        if t in graph_inputs:
            order += after.pop(t)
    for n in old:
        order.append(n)
        for o in n.output:
            order += after.pop(o, [])
    if after:
        fail("activations without a producer: %s" % ", ".join(after))
    del g.node[:]
    g.node.extend(order)
    # The float weights are no longer used.
    keep = [i for i in g.initializer if i.name not in {u[:-3] for u in used}]
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    # Opset-9 style models list initializers as inputs too; drop the removed ones.
    names = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name in names or i.name not in {u[:-3] for u in used}]
    del g.input[:]
    g.input.extend(inputs)


if __name__ == "__main__":
    main(sys.argv)
