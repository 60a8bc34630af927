package onnx_test

import (
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/onnx"
)

// stemOnly is a small graph (about 2 KB) that reaches every stage of the
// importer: a constant subgraph computing a shape (ConstantOfShape, Concat,
// a reversing Slice, Transpose, Cast, Unsqueeze, Squeeze, Reshape), then a
// stem, pooling, a Reshape by that shape and a Gemm. It has no residual blocks,
// so Decode refuses it at the very end; mutations of it explore the decoder
// and the constant folder quickly.
func stemOnly() *tGraph {
	g := &tGraph{input: "x", inputDims: []int64{1, 3, 32, 32}, outputs: []string{"y"}, opset: 13}
	c := func(name string, dims []int64, v ...int64) {
		g.nodes = append(g.nodes, tNode{op: "Constant", name: name, out: []string{name},
			attrs: []tAttr{{name: "value", typ: 4, t: &tTensor{dims: dims, i: v}}}})
	}
	n := func(op, name string, in []string, attrs ...tAttr) {
		g.nodes = append(g.nodes, tNode{op: op, name: name, in: in, out: []string{name}, attrs: attrs})
	}
	c("one", []int64{1}, 1)
	n("ConstantOfShape", "zeros", []string{"one"}, tAttr{name: "value", typ: 4, t: &tTensor{dims: []int64{1}, i: []int64{-1}}})
	c("sixteen", []int64{1}, 16)
	n("Concat", "cat", []string{"sixteen", "zeros"}, intA("axis", 0))
	c("rs", []int64{2}, 2, 1)
	n("Reshape", "col", []string{"cat", "rs"})
	c("m1", []int64{1}, -1)
	c("big", []int64{1}, -1<<62)
	c("zero", []int64{1}, 0)
	n("Slice", "rev", []string{"col", "m1", "big", "zero", "m1"})
	n("Transpose", "row", []string{"rev"}, ints("perm", 1, 0))
	n("Cast", "cast", []string{"row"}, intA("to", 7))
	n("Squeeze", "sq", []string{"cast", "zero"})
	n("Unsqueeze", "unsq", []string{"sq", "zero"})
	n("Squeeze", "shape", []string{"unsq", "zero"})
	w := make([]float32, 16*3*3*3)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	g.inits = append(g.inits,
		tTensor{name: "w", dims: []int64{16, 3, 3, 3}, f: w},
		tTensor{name: "fw", dims: []int64{2, 16}, f: w[:32], fields: true})
	n("Conv", "conv", []string{"x", "w"}, ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3))
	n("Relu", "relu", []string{"conv"})
	n("GlobalAveragePool", "pool", []string{"relu"})
	n("Reshape", "flat", []string{"pool", "shape"})
	g.nodes = append(g.nodes, tNode{op: "Gemm", name: "fc", in: []string{"flat", "fw"}, out: []string{"y"}, attrs: []tAttr{intA("transB", 1)}})
	return g
}

func TestStemOnlySeed(t *testing.T) {
	_, err := onnx.Decode(stemOnly().encode())
	if err == nil || !strings.Contains(err.Error(), "found 0 residual blocks") {
		t.Fatalf("got %v, want the walk to get to the end and find no blocks", err)
	}
}

// FuzzDecode feeds mutated ONNX files to Decode (and what it accepts to
// model.Build): errors are fine, panics and unprefixed errors are not.
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 60s ./model/onnx/
func FuzzDecode(f *testing.F) {
	f.Add(stemOnly().encode())
	f.Add(resnetGraph(modeltest.RandomWeights(8, 10, true, 5), variant{eps: 1e-3, matmul: true, fields: true}).encode())
	f.Add(tinyModel(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := onnx.Decode(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "onnx: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		if _, err := model.Build(onnx.DefaultSpec, w); err != nil && !strings.HasPrefix(err.Error(), "model: ") {
			t.Fatalf("build: %v", err)
		}
	})
}
