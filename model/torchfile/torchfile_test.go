package torchfile

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/x448/float16"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// maxRelDiff is the largest |got-want| over each row's largest magnitude (at
// least 1), the measure modeltest.LogitsClose bounds.
func maxRelDiff(got []float32, want [][]float32) float64 {
	worst := 0.0
	for i, row := range want {
		scale := 1.0
		for _, v := range row {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for j, v := range row {
			worst = math.Max(worst, math.Abs(float64(got[i*len(row)+j])-float64(v))/scale)
		}
	}
	return worst
}

var full = flag.Bool("full", false, "compare every golden input on every akamaster model (slow: about a minute of CPU)")

// checkGolden runs the network on every step-th golden input and compares
// its logits with PyTorch's.
func checkGolden(t *testing.T, net *model.Net, g *modeltest.Golden, step int) {
	t.Helper()
	all := g.Pixels(t)
	var pixels []float32
	var want [][]float32
	for i := 0; i < len(g.Inputs); i += step {
		pixels = append(pixels, all[i*model.InputLen:(i+1)*model.InputLen]...)
		want = append(want, g.Logits[i])
	}
	r, err := net.NewRunner(len(want))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Run(pixels, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if err := modeltest.LogitsClose(got, want, 1e-4); err != nil {
		t.Fatalf("%v: %v", net, err)
	}
	t.Logf("%v: %d inputs, max relative logit difference to %s: %.3g", net, len(want), g.Reference, maxRelDiff(got, want))
}

// TestAkamasterParity loads the four published akamaster checkpoints (legacy
// format, storages tagged cuda:0) and matches PyTorch's logits on them: every
// input for ResNet20, every fourth for the deeper ones (all with -full), to
// keep the suite fast; -short tests ResNet20 alone.
func TestAkamasterParity(t *testing.T) {
	for _, depth := range []int{20, 32, 44, 56} {
		t.Run(fmt.Sprint("resnet", depth), func(t *testing.T) {
			step := 1
			switch {
			case testing.Short() && depth > 20:
				t.Skip("short: ResNet20 only")
			case depth > 20 && !*full:
				step = 4
			}
			g := modeltest.LoadGolden(t, fmt.Sprintf("testdata/golden_resnet%d.json", depth))
			net, err := Load(modeltest.File(t, g.Model), AkamasterSpec)
			if err != nil {
				t.Fatal(err)
			}
			if net.Depth != depth || net.Classes != 10 || net.Shortcut != model.ShortcutA {
				t.Fatalf("loaded %v, want ResNet%d with 10 classes and shortcut A", net, depth)
			}
			checkGolden(t, net, g, step)
		})
	}
}

// TestSmallCheckpoints loads the two ResNet-8 checkpoints torch_golden.py
// wrote: legacy with float16/float64 storages and "module." keys, and zip
// with projection shortcuts, shared storages and a transposed weight.
func TestSmallCheckpoints(t *testing.T) {
	for _, tc := range []struct {
		name     string
		shortcut model.Shortcut
	}{{"resnet8_legacy", model.ShortcutA}, {"resnet8_zip", model.ShortcutB}} {
		t.Run(tc.name, func(t *testing.T) {
			g := modeltest.LoadGolden(t, "testdata/golden_"+tc.name+".json")
			net, err := Load("../../"+g.Model, AkamasterSpec)
			if err != nil {
				t.Fatal(err)
			}
			if net.Depth != 8 || net.Shortcut != tc.shortcut {
				t.Fatalf("loaded %v, want ResNet8 with shortcut %v", net, tc.shortcut)
			}
			checkGolden(t, net, g, 1)
		})
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(b []byte) (model.Weights, error) { return ReadWeights(bytes.NewReader(b), int64(len(b))) }

func TestSmallCheckpointNames(t *testing.T) {
	w, err := read(readFile(t, "testdata/resnet8_zip.pt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, shape := range map[string][]int{
		"layer2.0.shortcut.weight":          {32, 16, 1, 1},
		"layer3.0.shortcut_bn.running_var":  {64},
		"fc.weight":                         {10, 64},
		"bn1.bias":                          {16},
		"layer1.0.conv2.weight":             {16, 16, 3, 3},
		"layer3.0.shortcut_bn.running_mean": {64},
	} {
		if got := w[name].Shape; !slices.Equal(got, shape) {
			t.Errorf("%s: shape %v, want %v", name, got, shape)
		}
	}
	for name := range w {
		if name != canonicalName(name) {
			t.Errorf("name %q is not canonical", name)
		}
	}
	legacy, err := read(readFile(t, "testdata/resnet8_legacy.th"))
	if err != nil {
		t.Fatal(err)
	}
	// 1 stem conv + 3 blocks of 2 convs, 7 batch norms of 4, fc weight and bias.
	if len(legacy) != 7+7*4+2 {
		t.Errorf("legacy: %d tensors, want %d (num_batches_tracked dropped)", len(legacy), 7+7*4+2)
	}
}

// TestRoundTrip writes random weights in both formats, wrapped and not, and
// reads them back unchanged.
func TestRoundTrip(t *testing.T) {
	want := modeltest.RandomWeights(14, 7, true, 3)
	for _, wrap := range []string{"", "state_dict", "model_state_dict", "model"} {
		ck := fromWeights(want)
		ck.wrap = wrap
		for format, file := range map[string][]byte{"zip": ck.zip(t, "archive"), "legacy": ck.legacy()} {
			got, err := read(file)
			if err != nil {
				t.Fatalf("%s %q: %v", format, wrap, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %q: %d tensors, want %d", format, wrap, len(got), len(want))
			}
			for k, v := range want {
				if !slices.Equal(got[k].Shape, v.Shape) || !slices.Equal(got[k].Data, v.Data) {
					t.Fatalf("%s %q: tensor %s differs", format, wrap, k)
				}
			}
		}
	}
}

// TestBigEndian reads storages written on a big-endian machine.
func TestBigEndian(t *testing.T) {
	want := modeltest.RandomWeights(8, 3, false, 4)
	ck := fromWeights(want)
	ck.bigEndian = true
	for format, file := range map[string][]byte{"zip": ck.zip(t, "archive"), "legacy": ck.legacy()} {
		got, err := read(file)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		for k, v := range want {
			if !slices.Equal(got[k].Data, v.Data) {
				t.Fatalf("%s: tensor %s differs", format, k)
			}
		}
	}
}

// TestStrides reads views with offsets and strides out of one storage,
// including the pre-0.4 four-argument _rebuild_tensor.
func TestStrides(t *testing.T) {
	vals := make([]float32, 30)
	for i := range vals {
		vals[i] = float32(i)
	}
	ck := &fakeCheckpoint{storages: map[string][]byte{"s": float32Bytes(vals)}}
	add := func(name string, off int, size, stride []int, old bool) {
		ck.tensors = append(ck.tensors, fakeTensor{name: name, class: "FloatStorage", key: "s", numel: 30,
			off: off, size: size, stride: stride, legacyTuple: old})
	}
	add("t", 2, []int{3, 4}, []int{1, 3}, false) // a transposed 4x3 block at 2
	add("c", 5, []int{2, 3}, nil, true)
	add("e", 29, []int{1, 1}, []int{0, 0}, false)
	add("z", 40, []int{0, 3}, nil, false) // empty: offset past the end is fine
	want := map[string][]float32{
		"t": {2, 5, 8, 11, 3, 6, 9, 12, 4, 7, 10, 13},
		"c": {5, 6, 7, 8, 9, 10},
		"e": {29},
		"z": {},
	}
	for _, file := range [][]byte{ck.zip(t, "x"), ck.legacy()} {
		w, err := read(file)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if !slices.Equal(w[k].Data, v) {
				t.Errorf("%s: got %v, want %v", k, w[k].Data, v)
			}
		}
	}
}

func TestCanonicalName(t *testing.T) {
	for in, want := range map[string]string{
		"module.conv1.weight":                      "conv1.weight",
		"module.module.linear.bias":                "fc.bias",
		"linear.weight":                            "fc.weight",
		"module.layer2.0.shortcut.0.weight":        "layer2.0.shortcut.weight",
		"layer3.0.shortcut.1.running_var":          "layer3.0.shortcut_bn.running_var",
		"layer3.0.shortcut.weight":                 "layer3.0.shortcut.weight",
		"layer1.2.bn2.num_batches_tracked":         "layer1.2.bn2.num_batches_tracked",
		"fc.weight":                                "fc.weight",
		"head.shortcut.0.weight":                   "head.shortcut.0.weight",
		"module.layer1.0.shortcut.1.weight.linear": "layer1.0.shortcut_bn.weight.linear",
	} {
		if got := canonicalName(in); got != want {
			t.Errorf("canonicalName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHalf checks every float16 against its definition, value =
// (-1)^s * 2^(e-15) * (1 + f/1024), or 2^-14 * f/1024 for e = 0.
func TestHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		s, e, f := h>>15, (h>>10)&0x1f, h&0x3ff
		got := float64(float16.Frombits(uint16(h)).Float32())
		var want float64
		switch {
		case e == 0x1f && f == 0:
			want = math.Inf(1)
		case e == 0x1f:
			if !math.IsNaN(got) {
				t.Fatalf("half %#04x: got %v, want NaN", h, got)
			}
			continue
		case e == 0:
			want = math.Ldexp(float64(f)/1024, -14)
		default:
			want = math.Ldexp(1+float64(f)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if got != want || math.Signbit(got) != (s == 1) {
			t.Fatalf("half %#04x: got %v, want %v", h, got, want)
		}
	}
}
