package onnx_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/edgecache/edgecache/model"
)

// A small ONNX writer for tests: it builds graphs from canonical weights, in
// the variants the importer must accept, and lets tests break them on
// purpose. Field numbers as in onnx.proto (see proto.go).

type tTensor struct {
	name   string
	dims   []int64
	f      []float32
	i      []int64
	fields bool // float_data / int64_data instead of raw_data
	extra  []byte
}

type tAttr struct {
	name string
	typ  int // AttributeProto.AttributeType
	i    int64
	f    float32
	ints []int64
	s    string
	t    *tTensor
}

type tNode struct {
	op, name string
	in, out  []string
	attrs    []tAttr
}

type tGraph struct {
	nodes     []tNode
	inits     []tTensor
	input     string
	inputDims []int64
	outputs   []string
	opset     int64
}

func ints(name string, v ...int64) tAttr { return tAttr{name: name, typ: 7, ints: v} }
func intA(name string, v int64) tAttr    { return tAttr{name: name, typ: 2, i: v} }
func floatA(name string, v float32) tAttr {
	return tAttr{name: name, typ: 1, f: v}
}

func msg(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func str(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func varint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func (t *tTensor) encode() []byte {
	var b []byte
	if t.fields {
		for _, d := range t.dims { // unpacked, as proto2 writers do
			b = varint(b, 1, uint64(d))
		}
	} else if len(t.dims) > 0 {
		var p []byte
		for _, d := range t.dims {
			p = protowire.AppendVarint(p, uint64(d))
		}
		b = msg(b, 1, p)
	}
	if t.i != nil {
		b = varint(b, 2, 7) // INT64
	} else {
		b = varint(b, 2, 1) // FLOAT
	}
	b = str(b, 8, t.name)
	var data []byte
	switch {
	case t.fields && t.i != nil:
		for _, v := range t.i {
			data = protowire.AppendVarint(data, uint64(v))
		}
		b = msg(b, 7, data)
	case t.fields:
		for _, v := range t.f {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		b = msg(b, 4, data)
	case t.i != nil:
		for _, v := range t.i {
			data = binary.LittleEndian.AppendUint64(data, uint64(v))
		}
		b = msg(b, 9, data)
	default:
		for _, v := range t.f {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		b = msg(b, 9, data)
	}
	return append(b, t.extra...)
}

func (a *tAttr) encode() []byte {
	b := str(nil, 1, a.name)
	b = varint(b, 20, uint64(a.typ))
	switch a.typ {
	case 1:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case 2:
		b = varint(b, 3, uint64(a.i))
	case 3:
		b = str(b, 4, a.s)
	case 4:
		b = msg(b, 5, a.t.encode())
	case 7:
		for _, v := range a.ints {
			b = varint(b, 8, uint64(v))
		}
	}
	return b
}

func (n *tNode) encode() []byte {
	var b []byte
	for _, s := range n.in {
		b = str(b, 1, s)
	}
	for _, s := range n.out {
		b = str(b, 2, s)
	}
	b = str(b, 3, n.name)
	b = str(b, 4, n.op)
	for _, a := range n.attrs {
		b = msg(b, 5, a.encode())
	}
	return b
}

func valueInfo(name string, dims []int64) []byte {
	var shape []byte
	for _, d := range dims {
		if d < 0 {
			shape = msg(shape, 1, str(nil, 2, "N"))
		} else {
			shape = msg(shape, 1, varint(nil, 1, uint64(d)))
		}
	}
	tt := varint(nil, 1, 1) // elem_type FLOAT
	if dims != nil {
		tt = msg(tt, 2, shape)
	}
	return msg(str(nil, 1, name), 2, msg(nil, 1, tt))
}

func (g *tGraph) encode() []byte {
	var gb []byte
	for _, n := range g.nodes {
		gb = msg(gb, 1, n.encode())
	}
	gb = str(gb, 2, "test")
	for _, t := range g.inits {
		gb = msg(gb, 5, t.encode())
	}
	gb = msg(gb, 11, valueInfo(g.input, g.inputDims))
	for _, o := range g.outputs {
		gb = msg(gb, 12, valueInfo(o, nil))
	}
	b := varint(nil, 1, 8) // ir_version
	b = str(b, 2, "edgecache test")
	b = msg(b, 7, gb)
	return msg(b, 8, varint(nil, 2, uint64(g.opset)))
}

// node finds a node by name, for tests that break one.
func (g *tGraph) node(name string) *tNode {
	for k := range g.nodes {
		if g.nodes[k].name == name {
			return &g.nodes[k]
		}
	}
	panic("test graph has no node " + name)
}

func (n *tNode) attr(name string) *tAttr {
	for k := range n.attrs {
		if n.attrs[k].name == name {
			return &n.attrs[k]
		}
	}
	panic("node " + n.name + " has no attribute " + name)
}

func (g *tGraph) init(name string) *tTensor {
	for k := range g.inits {
		if g.inits[k].name == name {
			return &g.inits[k]
		}
	}
	panic("test graph has no initializer " + name)
}

type variant struct {
	eps    float32 // every BatchNormalization's epsilon
	matmul bool    // MatMul + Add instead of Gemm
	fields bool    // float_data / int64_data instead of raw_data
	// view flattens as akamaster's x.view(x.size(0), -1) exports (Shape,
	// Gather, Unsqueeze, Concat, Reshape) after a zero Pad, as F.avg_pool2d
	// exports, and passes the final weight through an Identity.
	view bool
	// pool picks the pooling and flattening: "" GlobalAveragePool + Flatten
	// (or view), "avgpool" AveragePool 8x8 + Reshape [-1 64], "mean"
	// ReduceMean keepdims 0, "squeeze" ReduceMean + Squeeze.
	pool string
	// transB0 writes Gemm's weight as [64 classes] with transB 0.
	transB0 bool
}

// resnetGraph writes canonical weights (batch norm unfolded, as
// modeltest.RandomWeights makes them) as the graph torch.onnx.export would
// write, with initializers named t0, t1, ... so nothing can be learned from
// names. Nodes are named /conv1/Conv, /layer2.0/conv1/Conv, /layer2.0/bn1/BN...
func resnetGraph(w model.Weights, v variant) *tGraph {
	g := &tGraph{input: "input", inputDims: []int64{-1, 3, 32, 32}, outputs: []string{"logits"}, opset: 13}
	param := func(key string) string {
		t, ok := w[key]
		if !ok {
			return ""
		}
		name := fmt.Sprintf("t%d", len(g.inits))
		dims := make([]int64, len(t.Shape))
		for k, d := range t.Shape {
			dims[k] = int64(d)
		}
		g.inits = append(g.inits, tTensor{name: name, dims: dims, f: t.Data, fields: v.fields})
		return name
	}
	add := func(n tNode) string {
		n.out = []string{n.name + "_output_0"}
		g.nodes = append(g.nodes, n)
		return n.out[0]
	}
	conv := func(scope, key, bn, x string, stride int) string {
		wt := w[key+".weight"]
		k := int64(wt.Shape[2])
		in := []string{x, param(key + ".weight")}
		if b := param(key + ".bias"); b != "" {
			in = append(in, b)
		}
		p := k / 2
		x = add(tNode{op: "Conv", name: scope + "/Conv", in: in, attrs: []tAttr{
			ints("dilations", 1, 1), intA("group", 1), ints("kernel_shape", k, k),
			ints("pads", p, p, p, p), ints("strides", int64(stride), int64(stride))}})
		if _, ok := w[bn+".weight"]; ok {
			name := scope[:strings.LastIndex(scope, "/")] + "/" + bn[strings.LastIndex(bn, ".")+1:] + "/BatchNormalization"
			x = add(tNode{op: "BatchNormalization", name: name,
				in:    []string{x, param(bn + ".weight"), param(bn + ".bias"), param(bn + ".running_mean"), param(bn + ".running_var")},
				attrs: []tAttr{floatA("epsilon", v.eps), floatA("momentum", 0.9)}})
		}
		return x
	}
	relu := func(scope, x string) string { return add(tNode{op: "Relu", name: scope + "/Relu", in: []string{x}}) }
	constant := func(name string, vals ...int64) string {
		return add(tNode{op: "Constant", name: name, attrs: []tAttr{{name: "value", typ: 4,
			t: &tTensor{dims: []int64{int64(len(vals))}, i: vals, fields: v.fields}}}})
	}

	x := relu("/relu", conv("/conv1", "conv1", "bn1", "input", 1))
	blocks := 0
	for w[fmt.Sprintf("layer1.%d.conv1.weight", blocks)].Data != nil {
		blocks++
	}
	in := 16
	for s, width := range model.Widths {
		for b := range blocks {
			p := fmt.Sprintf("layer%d.%d", s+1, b)
			scope := "/" + p
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			y := relu(scope, conv(scope+"/conv1", p+".conv1", p+".bn1", x, stride))
			y = conv(scope+"/conv2", p+".conv2", p+".bn2", y, 1)
			short := x
			switch {
			case w[p+".shortcut.weight"].Data != nil:
				short = conv(scope+"/shortcut", p+".shortcut", p+".shortcut_bn", x, stride)
			case in != width:
				short = add(tNode{op: "Slice", name: scope + "/Slice", in: []string{x,
					constant(scope+"/starts", 0, 0), constant(scope+"/ends", math.MaxInt64, math.MaxInt64),
					constant(scope+"/axes", 2, 3), constant(scope+"/steps", 2, 2)}})
				lo := int64(width-in) / 2
				pads := fmt.Sprintf("t%d", len(g.inits))
				g.inits = append(g.inits, tTensor{name: pads, dims: []int64{8}, i: []int64{0, lo, 0, 0, 0, lo, 0, 0}, fields: v.fields})
				short = add(tNode{op: "Pad", name: scope + "/Pad", in: []string{short, pads}, attrs: []tAttr{{name: "mode", typ: 3, s: "constant"}}})
			}
			y = add(tNode{op: "Add", name: scope + "/Add", in: []string{y, short}})
			x = relu(scope+"/relu_1", y)
			in = width
		}
	}
	if v.view {
		x = add(tNode{op: "Pad", name: "/Pad", in: []string{x, constant("/zeros", 0, 0, 0, 0, 0, 0, 0, 0)}})
	}
	switch v.pool {
	case "avgpool":
		x = add(tNode{op: "AveragePool", name: "/avgpool/AveragePool", in: []string{x},
			attrs: []tAttr{ints("kernel_shape", 8, 8), ints("strides", 8, 8), ints("pads", 0, 0, 0, 0)}})
		x = add(tNode{op: "Reshape", name: "/Reshape", in: []string{x, constant("/shape", -1, 64)}})
	case "mean":
		x = add(tNode{op: "ReduceMean", name: "/ReduceMean", in: []string{x}, attrs: []tAttr{ints("axes", 2, 3), intA("keepdims", 0)}})
	case "squeeze":
		x = add(tNode{op: "ReduceMean", name: "/ReduceMean", in: []string{x}, attrs: []tAttr{ints("axes", -1, -2)}})
		x = add(tNode{op: "Squeeze", name: "/Squeeze", in: []string{x}, attrs: []tAttr{ints("axes", 2, 3)}})
	default:
		x = add(tNode{op: "GlobalAveragePool", name: "/avgpool/GlobalAveragePool", in: []string{x}})
	}
	switch {
	case v.pool != "": // flattened above
	case v.view:
		shape := add(tNode{op: "Shape", name: "/Shape", in: []string{x}})
		zero := add(tNode{op: "Constant", name: "/zero", attrs: []tAttr{{name: "value", typ: 4, t: &tTensor{i: []int64{0}}}}})
		n := add(tNode{op: "Gather", name: "/Gather", in: []string{shape, zero}, attrs: []tAttr{intA("axis", 0)}})
		n = add(tNode{op: "Unsqueeze", name: "/Unsqueeze", in: []string{n, constant("/axes", 0)}})
		n = add(tNode{op: "Concat", name: "/Concat", in: []string{n, constant("/minus1", -1)}, attrs: []tAttr{intA("axis", 0)}})
		x = add(tNode{op: "Reshape", name: "/Reshape", in: []string{x, n}})
	default:
		x = add(tNode{op: "Flatten", name: "/Flatten", in: []string{x}, attrs: []tAttr{intA("axis", 1)}})
	}
	fc := w["fc.weight"]
	classes, inner := fc.Shape[0], fc.Shape[1]
	fcT := make([]float32, len(fc.Data)) // [inner classes]
	for o := range classes {
		for i := range inner {
			fcT[i*classes+o] = fc.Data[o*inner+i]
		}
	}
	switch {
	case v.matmul:
		t := fcT
		wt := fmt.Sprintf("t%d", len(g.inits))
		g.inits = append(g.inits, tTensor{name: wt, dims: []int64{int64(inner), int64(classes)}, f: t, fields: v.fields})
		if v.view {
			wt = add(tNode{op: "Identity", name: "/fc/Identity", in: []string{wt}})
		}
		x = add(tNode{op: "MatMul", name: "/fc/MatMul", in: []string{x, wt}})
		g.nodes = append(g.nodes, tNode{op: "Add", name: "/fc/Add", in: []string{param("fc.bias"), x}, out: []string{"logits"}})
	case v.transB0:
		wt := fmt.Sprintf("t%d", len(g.inits))
		g.inits = append(g.inits, tTensor{name: wt, dims: []int64{int64(inner), int64(classes)}, f: fcT, fields: v.fields})
		g.nodes = append(g.nodes, tNode{op: "Gemm", name: "/fc/Gemm", in: []string{x, wt, param("fc.bias")}, out: []string{"logits"}})
	default:
		g.nodes = append(g.nodes, tNode{op: "Gemm", name: "/fc/Gemm", in: []string{x, param("fc.weight"), param("fc.bias")},
			out: []string{"logits"}, attrs: []tAttr{floatA("alpha", 1), floatA("beta", 1), intA("transB", 1)}})
	}
	return g
}
