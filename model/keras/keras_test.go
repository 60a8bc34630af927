package keras

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/hdf5"
	"github.com/edgecache/edgecache/model/modeltest"
)

// models are the paper's files with the Keras layer indices the paper taps.
var models = []struct {
	file, golden string
	depth        int
	paperLayers  []int
}{
	{"cifar10_ResNet20v1_model.178.h5", "golden_cifar10_ResNet20v1.json", 20, []int{49, 57, 64}},
	{"cifar10_ResNet32v1_model.150.h5", "golden_cifar10_ResNet32v1.json", 32, []int{82, 92, 103}},
	{"cifar100_ResNet20v1_model.158.h5", "golden_cifar100_ResNet20v1.json", 20, []int{49, 57, 64}},
	{"cifar100_ResNet32v1_model.143.h5", "golden_cifar100_ResNet32v1.json", 32, []int{82, 92, 103}},
}

func modelPath(t testing.TB, file string) string {
	return modeltest.File(t, filepath.Join("models", "simple-cache", file))
}

// testNorm is the per-pixel normalisation tools/golden/keras_golden.py
// computed and used for the golden logits.
func testNorm(t testing.TB) model.Norm {
	f, err := os.Open(filepath.Join("testdata", "norm_cifar10_train.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := model.ReadNorm(f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGolden checks the imported networks against logits from the
// independent PyTorch rebuild of the Keras graph (tools/golden/keras_golden.py).
func TestGolden(t *testing.T) {
	norm := testNorm(t)
	for _, m := range models {
		t.Run(m.file, func(t *testing.T) {
			net, err := Load(modelPath(t, m.file), norm)
			if err != nil {
				t.Fatal(err)
			}
			if net.Depth != m.depth || net.Shortcut != model.ShortcutB || net.Spec.Padding != model.PadKerasSame || net.Spec.BNEps != 1e-3 {
				t.Fatalf("built %v, depth %d, eps %v", net, net.Depth, net.Spec.BNEps)
			}
			g := modeltest.LoadGolden(t, filepath.Join("testdata", m.golden))
			if g.Model != "models/simple-cache/"+m.file {
				t.Fatalf("golden file is for %s", g.Model)
			}
			px := g.Pixels(t)
			r, err := net.NewRunner(len(g.Inputs))
			if err != nil {
				t.Fatal(err)
			}
			logits, err := r.Run(px, len(g.Inputs))
			if err != nil {
				t.Fatal(err)
			}
			if err := modeltest.LogitsClose(logits, g.Logits, 1e-4); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i, row := range g.Logits {
				for j, v := range row {
					d := float64(logits[i*len(row)+j] - v)
					worst = max(worst, d, -d)
				}
			}
			t.Logf("%v: largest |logit - golden| %.3g over %d inputs", net, worst, len(g.Inputs))
		})
	}
}

// TestPaperTaps proves that model.PaperTaps names the Keras layers the paper
// lists, by counting layers in each file's model_config.
func TestPaperTaps(t *testing.T) {
	for _, m := range models {
		t.Run(m.file, func(t *testing.T) {
			f, err := os.Open(modelPath(t, m.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			w, info, err := ReadWeights(f, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			if info.KerasVersion != "2.1.1" || info.Backend != "tensorflow" {
				t.Errorf("keras_version %q backend %q, want 2.1.1 and tensorflow", info.KerasVersion, info.Backend)
			}
			net, err := model.Build(model.Spec{Padding: model.PadKerasSame, Norm: testNorm(t), BNEps: info.BNEps}, w)
			if err != nil {
				t.Fatal(err)
			}
			taps, err := net.PaperTaps()
			if err != nil {
				t.Fatal(err)
			}
			for i, tap := range taps {
				l := info.Taps[tap]
				if l == nil || l.Index != m.paperLayers[i] {
					t.Errorf("tap %s is Keras layer %+v, the paper's is %d", tap, l, m.paperLayers[i])
					continue
				}
				if l.Class != "Activation" {
					t.Errorf("tap %s: Keras layer %d is a %s, want an Activation (ReLU)", tap, l.Index, l.Class)
				}
			}
			// Every tap of the net maps to a Keras layer and back.
			for _, tp := range net.Taps() {
				if info.Taps[tp.Name] == nil {
					t.Errorf("tap %s has no Keras layer", tp.Name)
				}
			}
			t.Logf("paper taps %v = Keras layers %v", taps, m.paperLayers)
		})
	}
}

// TestCorrupt feeds truncated and bit-flipped copies of a real file: each
// must give an error or a network, never a panic, and truncation an error.
func TestCorrupt(t *testing.T) {
	b, err := os.ReadFile(modelPath(t, models[0].file))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 8, 100, 1000, 5000, len(b) / 2, len(b) - 1} {
		if _, _, err := ReadWeights(bytes.NewReader(b[:n]), int64(n)); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		} else if !strings.HasPrefix(err.Error(), "keras: ") {
			t.Errorf("error without package prefix: %v", err)
		}
	}
	// Every 7919th byte: most of the file is weights, where a flip only
	// changes values; the point is the metadata flips among them.
	step := 7919
	if testing.Short() {
		step = 79193
	}
	c := make([]byte, len(b))
	for i := 0; i < len(b); i += step {
		copy(c, b)
		c[i] ^= 0x5a
		ReadWeights(bytes.NewReader(c), int64(len(c))) // must not panic
	}
}

// TestGraphErrors changes the real model_config and checks that the
// importer names what it does not accept.
func TestGraphErrors(t *testing.T) {
	text := configText(t)
	for _, tc := range []struct{ old, new, want string }{
		{`"class_name": "Model"`, `"class_name": "Sequential"`, "functional Model"},
		// conv2d_21 fed from the block input instead of the inner ReLU.
		{`[[["activation_18", 0, 0, {}]]], "class_name": "Conv2D"`, `[[["activation_17", 0, 0, {}]]], "class_name": "Conv2D"`, "expected"},
		{`"class_name": "AveragePooling2D"`, `"class_name": "MaxPooling2D"`, "residual block"},
		{`[[["input_1", 0, 0, {}]]]`, `[[["nowhere", 0, 0, {}]]]`, "does not name an earlier layer"},
		{`"activation": "relu"`, `"activation": "tanh"`, "want relu"},
	} {
		mod := strings.Replace(text, tc.old, tc.new, 1)
		if mod == text {
			t.Fatalf("config has no %q", tc.old)
		}
		layers, err := parseConfig(mod)
		if err == nil {
			_, err = matchResNet(layers)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s: error %v, want one containing %q", tc.old, tc.new, err, tc.want)
		}
	}
}

// configText is the model_config of the CIFAR-10 ResNet20 file.
func configText(t *testing.T) string {
	f, err := os.Open(modelPath(t, models[0].file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	h, err := hdf5.Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.Root().Attr("model_config")
	if err != nil {
		t.Fatal(err)
	}
	text, err := a.Text()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// BenchmarkReadWeights measures decoding the ResNet32 file (4 MB) from memory.
func BenchmarkReadWeights(b *testing.B) {
	path := modeltest.File(b, filepath.Join("models", "simple-cache", models[1].file))
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := ReadWeights(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
