package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// testNet builds a random network; Keras padding with shortcut B exercises
// the other importers' architecture.
func testNet(tb testing.TB, depth int, shortcutB bool, pad model.Padding, seed uint64) *model.Net {
	tb.Helper()
	n, err := model.Build(model.Spec{Name: "test", Norm: modeltest.CIFARNorm, Padding: pad},
		modeltest.RandomWeights(depth, 10, shortcutB, seed))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func randomPixels(n int, seed uint64) []float32 {
	x := make([]float32, 0, n*model.InputLen)
	for i := range n {
		x = append(x, modeltest.RandomInput(uint32(seed)*1000+uint32(i))...)
	}
	return x
}

// smoothPixels makes images with spatial structure (random blobs), closer
// to photographs than white noise.
func smoothPixels(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n*model.InputLen)
	const s = model.InputSize
	for i := range n {
		for c := range 3 {
			fx, fy, ph := rng.Float64()*0.5, rng.Float64()*0.5, rng.Float64()*6
			base := rng.Float64()
			for y := range s {
				for xx := range s {
					v := base + 0.4*math.Sin(fx*float64(xx)+fy*float64(y)+ph) + 0.05*rng.NormFloat64()
					x[i*model.InputLen+c*s*s+y*s+xx] = float32(min(max(v, 0), 1))
				}
			}
		}
	}
	return x
}

func quantized(tb testing.TB, net *model.Net, obs Observer, calib []float32) *Model {
	tb.Helper()
	cal, err := Calibrate(net, calib, len(calib)/model.InputLen)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := Quantize(net, cal, obs)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

var archs = []struct {
	name      string
	depth     int
	shortcutB bool
	pad       model.Padding
}{
	{"A-symmetric", 8, false, model.PadSymmetric},
	{"B-keras", 8, true, model.PadKerasSame},
	{"B-symmetric", 14, true, model.PadSymmetric},
}

// TestFastMatchesReference runs whole networks through the GEMM path and the
// reference ops: logits and every tap must be identical.
func TestFastMatchesReference(t *testing.T) {
	for _, a := range archs {
		if testing.Short() && a.depth > 8 {
			continue // the reference ops are slow under qemu
		}
		net := testNet(t, a.depth, a.shortcutB, a.pad, 11)
		m := quantized(t, net, Observer{Percentile: 99.9}, smoothPixels(6, 1))
		var taps []string
		for _, ti := range m.Taps() {
			taps = append(taps, ti.Name)
		}
		fast, err := m.NewRunner(3, taps...)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := m.newRunner(3, true, taps...)
		if err != nil {
			t.Fatal(err)
		}
		px := append(smoothPixels(2, 7), randomPixels(1, 3)...)
		lf, err := fast.Run(px, 3)
		if err != nil {
			t.Fatal(err)
		}
		lr, err := ref.Run(px, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := range lf {
			if math.Float32bits(lf[i]) != math.Float32bits(lr[i]) {
				t.Fatalf("%s: logit %d: fast %v, reference %v", a.name, i, lf[i], lr[i])
			}
		}
		for _, name := range taps {
			f, r := fast.Tap(name), ref.Tap(name)
			if len(f) != len(r) || len(f) == 0 {
				t.Fatalf("%s: tap %s: %d and %d values", a.name, name, len(f), len(r))
			}
			for i := range f {
				if math.Float32bits(f[i]) != math.Float32bits(r[i]) {
					t.Fatalf("%s: tap %s[%d]: fast %v, reference %v", a.name, name, i, f[i], r[i])
				}
			}
		}
	}
}

// TestCloseToFloat compares int8 with float logits and taps on images like
// the calibration ones.
func TestCloseToFloat(t *testing.T) {
	for _, a := range archs {
		for _, obs := range []Observer{MinMax, {Percentile: 99.99}} {
			if testing.Short() && (a.depth > 8 || obs != MinMax) {
				continue
			}
			net := testNet(t, a.depth, a.shortcutB, a.pad, 21)
			m := quantized(t, net, obs, smoothPixels(16, 2))
			const n = 8
			px := smoothPixels(n, 4)
			fr, _ := net.NewRunner(n, "layer3.0", "pool")
			qr, _ := m.NewRunner(n, "layer3.0", "pool")
			fl, err := fr.Run(px, n)
			if err != nil {
				t.Fatal(err)
			}
			ql, err := qr.Run(px, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"logits", ql, fl}, {"layer3.0", qr.Tap("layer3.0"), fr.Tap("layer3.0")}, {"pool", qr.Tap("pool"), fr.Tap("pool")}} {
				// Relative RMS error: 8-bit activations through a few layers.
				var se, ss float64
				for i := range c.want {
					d := float64(c.got[i] - c.want[i])
					se += d * d
					ss += float64(c.want[i]) * float64(c.want[i])
				}
				if rel := math.Sqrt(se / ss); rel > 0.08 || math.IsNaN(rel) {
					t.Errorf("%s %v %s: relative RMS error %.3f", a.name, obs, c.name, rel)
				} else {
					t.Logf("%s %v %s: relative RMS error %.4f", a.name, obs, c.name, rel)
				}
			}
		}
	}
}

func TestRunnerAPI(t *testing.T) {
	for _, a := range archs {
		net := testNet(t, a.depth, a.shortcutB, a.pad, 2)
		m := quantized(t, net, MinMax, smoothPixels(1, 1))
		if !slices.Equal(m.Taps(), net.Taps()) {
			t.Errorf("%s: taps %v, float net has %v", a.name, m.Taps(), net.Taps())
		}
	}
	m := smallModel(t, false)
	if _, err := m.NewRunner(0); err == nil {
		t.Error("batch 0 accepted")
	}
	if _, err := m.NewRunner(1, "layer9.0"); err == nil || !strings.Contains(err.Error(), "no tap") {
		t.Errorf("unknown tap: %v", err)
	}
	r, err := m.NewRunner(2, "fc", "conv1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(make([]float32, model.InputLen), 3); err == nil {
		t.Error("batch above the runner's accepted")
	}
	if _, err := r.Run(make([]float32, model.InputLen-1), 1); err == nil {
		t.Error("short input accepted")
	}
	logits, err := r.Run(smoothPixels(1, 3), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Tap("fc"), logits) || len(r.Tap("conv1")) != 16*32*32 || r.Tap("pool") != nil {
		t.Error("taps after a run of one image")
	}
	if !slices.Equal(r.KeptTaps(), []string{"conv1", "fc"}) {
		t.Errorf("kept taps %v", r.KeptTaps())
	}
}
