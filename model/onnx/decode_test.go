package onnx_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/onnx"
)

// logits runs net on count hash-generated images.
func logits(t *testing.T, net *model.Net, count int) []float32 {
	t.Helper()
	px := make([]float32, 0, count*model.InputLen)
	for s := range count {
		px = append(px, modeltest.RandomInput(uint32(100+s))...)
	}
	r, err := net.NewRunner(count)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Run(px, count)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(out)
}

// TestDecodeMatchesBuild writes canonical weights as ONNX graphs in several
// variants, decodes them and checks that the network computes exactly what
// model.Build makes of the original weights. Exactly: both fold batch norm in
// float64 with the same formula, given the file's epsilon as Spec.BNEps.
func TestDecodeMatchesBuild(t *testing.T) {
	for _, tc := range []struct {
		name           string
		depth, classes int
		shortcutB      bool
		v              variant
	}{
		{"resnet8 A gemm raw", 8, 10, false, variant{eps: 1e-5}},
		{"resnet8 B matmul fields", 8, 10, true, variant{eps: 1e-3, matmul: true, fields: true}},
		{"resnet20 A matmul view", 20, 100, false, variant{eps: 1e-5, matmul: true, view: true}},
		{"resnet8 B gemm view", 8, 10, true, variant{eps: 1e-5, view: true}},
		{"resnet8 A avgpool transB0", 8, 10, false, variant{eps: 1e-5, pool: "avgpool", transB0: true}},
		{"resnet8 B reducemean", 8, 3, true, variant{eps: 1e-5, pool: "mean", matmul: true}},
		{"resnet8 A squeeze", 8, 10, false, variant{eps: 1e-5, pool: "squeeze"}},
		{"resnet14 B gemm fields", 14, 7, true, variant{eps: 2e-5, fields: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := modeltest.RandomWeights(tc.depth, tc.classes, tc.shortcutB, uint64(tc.depth))
			got, err := onnx.Decode(resnetGraph(w, tc.v).encode())
			if err != nil {
				t.Fatal(err)
			}
			for k := range got {
				if strings.Contains(k, "bn") {
					t.Errorf("decoded weights hold batch-norm tensor %q; it should be folded", k)
				}
			}
			spec := model.Spec{Norm: modeltest.CIFARNorm}
			net, err := model.Build(spec, got)
			if err != nil {
				t.Fatal(err)
			}
			spec.BNEps = float64(tc.v.eps)
			ref, err := model.Build(spec, w)
			if err != nil {
				t.Fatal(err)
			}
			if net.String() != ref.String() {
				t.Fatalf("decoded %v, want %v", net, ref)
			}
			a, b := logits(t, net, 3), logits(t, ref, 3)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("logit %d: decoded net gives %v, model.Build of the weights %v", i, a[i], b[i])
				}
			}
		})
	}
}

func baseGraph() *tGraph {
	return resnetGraph(modeltest.RandomWeights(8, 10, false, 3), variant{eps: 1e-5, view: true})
}

// initOf returns the initializer feeding input k of the named node.
func initOf(g *tGraph, node string, k int) *tTensor { return g.init(g.node(node).in[k]) }

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(g *tGraph)
		want   string // the error, or a part of it
	}{
		{"asymmetric pads", func(g *tGraph) { g.node("/layer1.0/conv1/Conv").attr("pads").ints = []int64{0, 0, 1, 1} },
			`onnx: node "/layer1.0/conv1/Conv" (Conv): pads [0 0 1 1] not supported (want symmetric 1)`},
		{"groups", func(g *tGraph) { g.node("/layer2.0/conv2/Conv").attr("group").i = 2 },
			`onnx: node "/layer2.0/conv2/Conv" (Conv): group 2 not supported (want 1)`},
		{"dilation", func(g *tGraph) { g.node("/conv1/Conv").attr("dilations").ints = []int64{2, 2} },
			`onnx: node "/conv1/Conv" (Conv): dilations [2 2] not supported (want [1 1])`},
		{"stride 3", func(g *tGraph) { g.node("/layer3.0/conv1/Conv").attr("strides").ints = []int64{3, 3} },
			`onnx: node "/layer3.0/conv1/Conv" (Conv): strides [3 3] not supported (want [1 1] or [2 2])`},
		{"kernel attribute", func(g *tGraph) { g.node("/conv1/Conv").attr("kernel_shape").ints = []int64{5, 5} },
			`kernel_shape [5 5] does not match the 3x3 weight`},
		{"unknown op", func(g *tGraph) { g.node("/layer1.0/Relu").op = "Sigmoid" },
			`onnx: node "/layer1.0/Relu" (Sigmoid): unsupported op`},
		{"max pool", func(g *tGraph) { g.node("/avgpool/GlobalAveragePool").op = "GlobalMaxPool" },
			`onnx: node "/avgpool/GlobalAveragePool" (GlobalMaxPool): unsupported op`},
		{"known op misplaced", func(g *tGraph) { g.node("/layer1.0/Relu").op = "Flatten" },
			`onnx: node "/layer1.0/Relu" (Flatten): unexpected after value "/layer1.0/bn1/BatchNormalization_output_0" (want Relu)`},
		{"constant op on image", func(g *tGraph) { g.node("/layer1.0/Relu").op = "Transpose" },
			`onnx: node "/layer1.0/Relu" (Transpose): supported only on constant inputs`},
		{"missing initializer", func(g *tGraph) {
			name := g.node("/layer2.0/conv1/Conv").in[1]
			g.inits = slices.DeleteFunc(g.inits, func(t tTensor) bool { return t.name == name })
		}, `onnx: node "/layer2.0/conv1/Conv" (Conv): input "t`},
		{"external data", func(g *tGraph) {
			initOf(g, "/layer1.0/conv2/Conv", 1).extra = varint(nil, 14, 1) // data_location = EXTERNAL
		}, `is stored in an external file`},
		{"float16 weights", func(g *tGraph) { initOf(g, "/layer1.0/conv2/Conv", 1).extra = varint(nil, 2, 10) },
			`data type FLOAT16 not supported`},
		{"short data", func(g *tGraph) { t := initOf(g, "/conv1/Conv", 1); t.f = t.f[:len(t.f)-1] },
			`shape [16 3 3 3] holds 432 values, found 431`},
		{"training batch norm", func(g *tGraph) {
			n := g.node("/layer1.0/bn2/BatchNormalization")
			n.attrs = append(n.attrs, intA("training_mode", 1))
		}, `(BatchNormalization): training_mode = 1 not supported`},
		{"gemm transA", func(g *tGraph) { n := g.node("/fc/Gemm"); n.attrs = append(n.attrs, intA("transA", 1)) },
			`onnx: node "/fc/Gemm" (Gemm): transA = 1 not supported (want 0)`},
		{"option A uneven", func(g *tGraph) { g.init(g.node("/layer2.0/Pad").in[1]).i = []int64{0, 4, 0, 0, 0, 12, 0, 0} },
			`pads 4 channels before and 12 after; the model puts the input channels at 8`},
		{"option A pads planes", func(g *tGraph) { g.init(g.node("/layer2.0/Pad").in[1]).i = []int64{0, 8, 1, 0, 0, 8, 1, 0} },
			`(Pad): pads [0 8 1 0 0 8 1 0] pad axis 2`},
		{"cycle", func(g *tGraph) { g.node("/conv1/Conv").in[0] = "/layer3.0/relu_1/Relu_output_0" },
			`is part of a cycle`},
		{"softmax after logits", func(g *tGraph) {
			g.node("/fc/Gemm").out = []string{"fc"}
			g.nodes = append(g.nodes, tNode{op: "Softmax", name: "/softmax", in: []string{"fc"}, out: []string{"logits"}})
		}, `onnx: node "/softmax" (Softmax): unsupported op`},
		{"dead branch", func(g *tGraph) {
			g.nodes = append(g.nodes, tNode{op: "Relu", name: "/extra", in: []string{"/avgpool/GlobalAveragePool_output_0"}, out: []string{"x"}})
		}, `value "/avgpool/GlobalAveragePool_output_0" feeds 2 nodes`},
		{"logits not an output", func(g *tGraph) { g.outputs = []string{"/Reshape_output_0"} },
			`the logits "logits" are not a graph output`},
		{"wrong input shape", func(g *tGraph) { g.inputDims = []int64{-1, 1, 28, 28} },
			`onnx: input "input" has shape [N 1 28 28], want [N 3 32 32]`},
		{"no opset", func(g *tGraph) { g.opset = 0 }, `imports no version of the standard operator set`},
		{"batch size arithmetic", func(g *tGraph) {
			n := g.node("/Unsqueeze")
			n.op, n.in = "Mul", []string{n.in[0], n.in[0]}
		}, `onnx: node "/Unsqueeze" (Mul): arithmetic on the image's shape (batch size) is not supported`},
		{"input twice", func(g *tGraph) { g.node("/layer1.0/Add").in[1] = "/layer1.0/conv2/Conv_output_0" },
			`a residual block's input feeds two, its first Conv and its shortcut`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := baseGraph()
			tc.mutate(g)
			_, err := onnx.Decode(g.encode())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestShapeErrors checks that a weight of the wrong shape is reported as a
// model.ShapeError naming the file's tensor, the expected and the found shape.
func TestShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		node      string
		k         int
		dims      []int64
		want, got []int
	}{
		{"/layer2.0/conv2/Conv", 1, []int64{32, 16, 3, 3}, []int{32, 32, 3, 3}, []int{32, 16, 3, 3}},
		{"/layer1.0/conv1/Conv", 1, []int64{16, 16, 5, 5}, []int{16, 16, 3, 3}, []int{16, 16, 5, 5}},
		{"/fc/Gemm", 1, []int64{10, 32}, []int{10, 64}, []int{10, 32}},
		{"/fc/Gemm", 2, []int64{5}, []int{10}, []int{5}},
		{"/layer3.0/bn1/BatchNormalization", 4, []int64{32}, []int{64}, []int{32}},
	} {
		g := baseGraph()
		init := initOf(g, tc.node, tc.k)
		init.dims = tc.dims
		n := 1
		for _, d := range tc.dims {
			n *= int(d)
		}
		init.f = make([]float32, n)
		_, err := onnx.Decode(g.encode())
		var se *model.ShapeError
		if !errors.As(err, &se) {
			t.Errorf("%s input %d as %v: got %v, want a shape error", tc.node, tc.k, tc.dims, err)
			continue
		}
		if se.Name != init.name || !slices.Equal(se.Want, tc.want) || !slices.Equal(se.Got, tc.got) {
			t.Errorf("%s: shape error %+v, want name %s want %v got %v", tc.node, se, init.name, tc.want, tc.got)
		}
		if !strings.HasPrefix(err.Error(), `onnx: node "`+tc.node+`"`) {
			t.Errorf("error %q does not name node %s", err, tc.node)
		}
	}
}

func tinyModel(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/resnet8_tiny.onnx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTruncated cuts the torch-exported model at many points: each prefix
// must be refused with an error, never decoded into something.
func TestTruncated(t *testing.T) {
	data := tinyModel(t)
	cuts := []int{0, 1, 2, 3, 4, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, len(data) - 2, len(data) - 1}
	for c := 1597; c < len(data); c += len(data) / 97 {
		cuts = append(cuts, c)
	}
	for _, c := range cuts {
		if _, err := onnx.Decode(data[:c]); err == nil || !strings.HasPrefix(err.Error(), "onnx: ") {
			t.Errorf("cut at %d of %d: got error %v", c, len(data), err)
		}
	}
}

func TestCorruptWire(t *testing.T) {
	ff := func(n int) []byte { return slices.Repeat([]byte{0xff}, n) }
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"tag overflow", append(ff(10), 0x01), "ModelProto: bad field tag"},
		{"truncated tag", []byte{0x80}, "ModelProto: bad field tag"},
		{"field number 0", []byte{0x00, 0x00}, "ModelProto: bad field tag"},
		{"ir_version overflow", append(append([]byte{0x08}, ff(9)...), 0x7f), "ModelProto.ir_version"},
		{"ir_version truncated", []byte{0x08, 0x80}, "ModelProto.ir_version"},
		{"graph past end", []byte{0x3a, 0x80, 0x01, 0x00}, "ModelProto.graph"},
		{"graph as varint", []byte{0x38, 0x01}, "ModelProto.graph: wrong wire type"},
		{"node truncated", msg(nil, 7, msg(nil, 1, []byte{0x0a, 0xff})), "NodeProto.input/output"},
		{"dims overflow", msg(nil, 7, msg(nil, 5, append([]byte{0x08}, ff(10)...))), "TensorProto.dims"},
		{"packed floats ragged", msg(nil, 7, msg(nil, 5, msg(nil, 4, []byte{1, 2, 3}))), "not a multiple of 4"},
		{"stray end group", protowire.AppendTag(nil, 99, protowire.EndGroupType), "ModelProto field 99"},
		{"no graph", varint(nil, 1, 8), "file holds no graph"},
	} {
		_, err := onnx.Decode(tc.data)
		if err == nil || !strings.HasPrefix(err.Error(), "onnx: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestUnknownFieldsSkipped appends fields of every wire type that onnx.proto
// does not define (as a newer writer might) and expects the same weights.
func TestUnknownFieldsSkipped(t *testing.T) {
	data := tinyModel(t)
	want, err := onnx.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	extra := varint(nil, 99, 1<<40)
	extra = protowire.AppendTag(extra, 98, protowire.Fixed64Type)
	extra = protowire.AppendFixed64(extra, 7)
	extra = protowire.AppendTag(extra, 97, protowire.Fixed32Type)
	extra = protowire.AppendFixed32(extra, 7)
	extra = str(extra, 96, "future")
	extra = protowire.AppendTag(extra, 95, protowire.StartGroupType)
	extra = varint(extra, 1, 5)
	extra = protowire.AppendTag(extra, 95, protowire.EndGroupType)
	got, err := onnx.Decode(append(slices.Clone(extra), append(slices.Clone(data), extra...)...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d tensors with unknown fields, %d without", len(got), len(want))
	}
	for k, v := range want {
		if !slices.Equal(got[k].Data, v.Data) {
			t.Errorf("tensor %s differs", k)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := onnx.Load(filepath.Join(t.TempDir(), "missing.onnx"), onnx.DefaultSpec); err == nil || !strings.HasPrefix(err.Error(), "onnx: ") {
		t.Errorf("missing file: %v", err)
	}
	spec := onnx.DefaultSpec
	spec.Padding = model.PadKerasSame
	if _, err := onnx.Load("testdata/resnet8_tiny.onnx", spec); err == nil || !strings.Contains(err.Error(), "pad symmetrically") {
		t.Errorf("keras padding: %v", err)
	}
	spec = onnx.DefaultSpec
	spec.Labels = []string{"a", "b"}
	if _, err := onnx.Load("testdata/resnet8_tiny.onnx", spec); err == nil || !strings.Contains(err.Error(), "2 labels for 10 classes") {
		t.Errorf("wrong labels: %v", err)
	}
	n, err := onnx.Load("testdata/resnet8_tiny.onnx", onnx.DefaultSpec)
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.Name != "resnet8_tiny" {
		t.Errorf("name %q, want the file's base name", n.Spec.Name)
	}
	if math.Abs(float64(n.Spec.Norm.Std[2])-0.225) > 1e-7 {
		t.Errorf("spec %+v", n.Spec)
	}
}

func TestTailErrors(t *testing.T) {
	w := modeltest.RandomWeights(8, 10, true, 4)
	for _, tc := range []struct {
		name   string
		v      variant
		mutate func(g *tGraph)
		want   string
	}{
		{"pool kernel", variant{pool: "avgpool"}, func(g *tGraph) { g.node("/avgpool/AveragePool").attr("kernel_shape").ints = []int64{4, 4} },
			`onnx: node "/avgpool/AveragePool" (AveragePool): kernel_shape [4 4], want the whole 8x8 plane`},
		{"pool pads", variant{pool: "avgpool"}, func(g *tGraph) { g.node("/avgpool/AveragePool").attr("pads").ints = []int64{1, 1, 1, 1} },
			`(AveragePool): pads [1 1 1 1] not supported`},
		{"reshape shape", variant{pool: "avgpool"}, func(g *tGraph) {
			n := g.node("/shape")
			n.attrs[0].t.i = []int64{-1, 32}
		}, `onnx: node "/Reshape" (Reshape): shape [-1 32] not supported (want [N 64])`},
		{"mean axes", variant{pool: "mean"}, func(g *tGraph) { g.node("/ReduceMean").attr("axes").ints = []int64{1, 2} },
			`onnx: node "/ReduceMean" (ReduceMean): axes [1 2], want the planes [2 3]`},
		{"squeeze axes", variant{pool: "squeeze"}, func(g *tGraph) { g.node("/Squeeze").attr("axes").ints = []int64{0, 2} },
			`onnx: node "/Squeeze" (Squeeze): axes [0 2] not supported (want [2 3])`},
		{"not flattened", variant{pool: "squeeze"}, func(g *tGraph) {
			sq := g.node("/Squeeze")
			g.node("/fc/Gemm").in[0] = sq.in[0]
			g.nodes = slices.DeleteFunc(g.nodes, func(n tNode) bool { return n.name == "/Squeeze" })
		}, `onnx: node "/fc/Gemm" (Gemm): applied to the pooled [64 1 1] value without flattening it`},
		{"gemm alpha", variant{}, func(g *tGraph) { g.node("/fc/Gemm").attr("alpha").f = 2 },
			`onnx: node "/fc/Gemm" (Gemm): alpha = 2 not supported (want 1)`},
		{"projection with stride 1", variant{}, func(g *tGraph) { g.node("/layer2.0/shortcut/Conv").attr("strides").ints = []int64{1, 1} },
			`adds a [32 32 32] residual to a [32 16 16] block output`},
	} {
		g := resnetGraph(w, tc.v)
		tc.mutate(g)
		_, err := onnx.Decode(g.encode())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v\nwant %s", tc.name, err, tc.want)
		}
	}
}
