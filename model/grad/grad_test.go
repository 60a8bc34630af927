package grad

import (
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/keras"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/torchfile"
)

// randomNet builds a ResNet8 with random weights for one shortcut kind and
// padding.
func randomNet(t *testing.T, shortcutB bool, pad model.Padding, seed uint64) *model.Net {
	t.Helper()
	spec := model.Spec{Name: "random", Padding: pad, Norm: modeltest.CIFARNorm}
	n, err := model.Build(spec, modeltest.RandomWeights(8, 10, shortcutB, seed))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func randomPixels(rng *rand.Rand) []float32 {
	x := make([]float32, model.InputLen)
	for i := range x {
		x[i] = 0.1 + 0.8*rng.Float32()
	}
	return x
}

// objective is a scalar function of the pixels, evaluated by the float64
// reference forward pass, with its analytic gradient from the package.
type objective struct {
	name  string
	value func(x []float64) float64
	grad  func(b *Backprop, dst, x []float32) error
}

func softmax64(logits []float64) []float64 {
	m := logits[0]
	for _, v := range logits {
		m = max(m, v)
	}
	p := make([]float64, len(logits))
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(v - m)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}

// objectives covers the loss the attacks use, one Jacobian row, and seeds on
// taps of every kind (stem, inner ReLU, block output after both shortcut
// kinds, the pool) mixed with a logit seed.
func objectives(rng *rand.Rand, net *model.Net) []objective {
	label, class := rng.IntN(net.Classes), rng.IntN(net.Classes)
	tapNames := []string{"conv1", "layer1.0.relu", "layer2.0", "layer3.0.relu", "layer3.0", "pool"}
	weights := map[string][]float32{}
	for _, name := range tapNames {
		info, _ := net.Tap(name)
		w := make([]float32, info.Len())
		for i := range w {
			w[i] = float32(rng.NormFloat64() / 64)
		}
		weights[name] = w
	}
	logitW := make([]float32, net.Classes)
	for i := range logitW {
		logitW[i] = float32(rng.NormFloat64())
	}
	return []objective{
		{"cross-entropy", func(x []float64) float64 {
			logits, _ := forward64(net, x)
			return -math.Log(softmax64(logits)[label])
		}, func(b *Backprop, dst, x []float32) error {
			_, err := b.LossGrad(dst, x, label)
			return err
		}},
		{"softmax probability", func(x []float64) float64 {
			logits, _ := forward64(net, x)
			return softmax64(logits)[class]
		}, func(b *Backprop, dst, x []float32) error {
			_, err := b.ProbGrad(dst, x, class)
			return err
		}},
		{"taps and logits", func(x []float64) float64 {
			logits, taps := forward64(net, x)
			var s float64
			for i, v := range logits {
				s += float64(logitW[i]) * v
			}
			for name, w := range weights {
				for i, v := range taps[name] {
					s += float64(w[i]) * v
				}
			}
			return s
		}, func(b *Backprop, dst, x []float32) error {
			if _, err := b.Forward(x); err != nil {
				return err
			}
			return b.Backward(dst, logitW, weights)
		}},
	}
}

// checkDirectional compares g.d with the central difference of f along d for
// several random unit directions d. f is evaluated in float64, so rounding
// is negligible; what remains is the step's curvature (O(h^2)) and ReLU kinks
// crossed inside [x-hd, x+hd], which random directions make rare: 1% of the
// larger side plus 1e-7 of f's scale, and one direction in six may miss.
func checkDirectional(t *testing.T, name string, b *Backprop, o objective, x []float32, rng *rand.Rand, h float64) {
	t.Helper()
	g := make([]float32, model.InputLen)
	if err := o.grad(b, g, x); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	f0 := o.value(x64)
	bad := 0
	const dirs = 6
	for k := 0; k < dirs; k++ {
		d := make([]float64, len(x))
		var nn float64
		for i := range d {
			d[i] = rng.NormFloat64()
			nn += d[i] * d[i]
		}
		nn = math.Sqrt(nn)
		xp, xm := make([]float64, len(x)), make([]float64, len(x))
		var analytic float64
		for i := range d {
			d[i] /= nn
			xp[i] = x64[i] + h*d[i]
			xm[i] = x64[i] - h*d[i]
			analytic += float64(g[i]) * d[i]
		}
		numeric := (o.value(xp) - o.value(xm)) / (2 * h)
		tol := 0.01*max(math.Abs(analytic), math.Abs(numeric)) + 1e-7*max(math.Abs(f0), 1)
		if math.Abs(analytic-numeric) > tol {
			bad++
			t.Logf("%s, direction %d: analytic %.6g, central difference %.6g", name, k, analytic, numeric)
		}
	}
	if bad > 1 {
		t.Errorf("%s: %d of %d directional derivatives disagree with central differences", name, bad, dirs)
	}
}

func TestGradientRandomNets(t *testing.T) {
	for _, tc := range []struct {
		shortcutB bool
		pad       model.Padding
	}{{false, model.PadSymmetric}, {true, model.PadSymmetric}, {true, model.PadKerasSame}, {false, model.PadKerasSame}} {
		net := randomNet(t, tc.shortcutB, tc.pad, 7)
		b, err := New(net)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for img := 0; img < 2; img++ {
			x := randomPixels(rng)
			for _, o := range objectives(rng, net) {
				checkDirectional(t, net.String()+" "+o.name, b, o, x, rng, 1e-5)
			}
		}
	}
}

// TestGradientCoordinates checks single pixels too: a directional test could
// pass with errors that cancel across pixels.
func TestGradientCoordinates(t *testing.T) {
	net := randomNet(t, false, model.PadSymmetric, 3)
	b, err := New(net)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomPixels(rng)
	o := objectives(rng, net)[0]
	g := make([]float32, model.InputLen)
	if err := o.grad(b, g, x); err != nil {
		t.Fatal(err)
	}
	var gmax float64
	for _, v := range g {
		gmax = max(gmax, math.Abs(float64(v)))
	}
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	const h = 1e-6
	bad := 0
	for k := 0; k < 40; k++ {
		i := rng.IntN(model.InputLen)
		xp, xm := append([]float64(nil), x64...), append([]float64(nil), x64...)
		xp[i] += h
		xm[i] -= h
		numeric := (o.value(xp) - o.value(xm)) / (2 * h)
		if math.Abs(numeric-float64(g[i])) > 0.01*math.Abs(numeric)+1e-4*gmax {
			bad++
			t.Logf("pixel %d: analytic %.6g, central difference %.6g", i, g[i], numeric)
		}
	}
	if bad > 2 {
		t.Errorf("%d of 40 pixels disagree", bad)
	}
}

func loadSample(t *testing.T, dir string) []float32 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "samples", "cifar10_00_3.png"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, model.InputLen)
	if err := model.Pixels(x, img); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestGradientRealModels checks the shipped akamaster ResNet32 (shortcut A)
// and the paper's Keras ResNet32 (shortcut B, "same" padding).
func TestGradientRealModels(t *testing.T) {
	if testing.Short() {
		t.Skip("float64 reference passes of two ResNet32s take a minute")
	}
	dir := modeltest.DataDir(t)
	x := loadSample(t, dir)
	ak, err := torchfile.Load(modeltest.File(t, "models/akamaster/resnet32-d509ac18.th"), torchfile.AkamasterSpec)
	if err != nil {
		t.Fatal(err)
	}
	nf, err := os.Open("../keras/testdata/norm_cifar10_train.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	norm, err := model.ReadNorm(nf)
	if err != nil {
		t.Fatal(err)
	}
	ke, err := keras.Load(modeltest.File(t, "models/simple-cache/cifar10_ResNet32v1_model.150.h5"), norm)
	if err != nil {
		t.Fatal(err)
	}
	for _, net := range []*model.Net{ak, ke} {
		b, err := New(net)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		for _, o := range objectives(rng, net) {
			checkDirectional(t, net.String()+" "+o.name, b, o, x, rng, 1e-5)
		}
	}
}

func TestBackwardErrors(t *testing.T) {
	net := randomNet(t, true, model.PadSymmetric, 1)
	b, err := New(net)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, model.InputLen)
	if err := b.Backward(dst, make([]float32, 10), nil); err == nil || !strings.Contains(err.Error(), "before a successful Forward") {
		t.Errorf("backward before forward: %v", err)
	}
	if _, err := b.Forward(make([]float32, 5)); err == nil {
		t.Error("short input accepted")
	}
	x := make([]float32, model.InputLen)
	if _, err := b.Forward(x); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dst, logits []float32
		taps        map[string][]float32
		want        string
	}{
		{make([]float32, 3), nil, nil, "gradient buffer of 3"},
		{dst, make([]float32, 3), nil, "3 logit gradients"},
		{dst, nil, map[string][]float32{"layer9.0": nil}, `no backward seed for tap "layer9.0"`},
		{dst, nil, map[string][]float32{"layer3.0": make([]float32, 2)}, `seed for tap "layer3.0" has 2 values`},
	} {
		if err := b.Backward(tc.dst, tc.logits, tc.taps); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error with %q, got %v", tc.want, err)
		}
	}
	if _, err := b.LossGrad(dst, x, 10); err == nil {
		t.Error("label 10 of 10 classes accepted")
	}
	if _, err := New(nil); err == nil {
		t.Error("nil network accepted")
	}
}

func BenchmarkLossGrad(b *testing.B) {
	spec := model.Spec{Name: "random", Norm: modeltest.CIFARNorm}
	net, err := model.Build(spec, modeltest.RandomWeights(32, 10, false, 1))
	if err != nil {
		b.Fatal(err)
	}
	bp, err := New(net)
	if err != nil {
		b.Fatal(err)
	}
	run, err := net.NewRunner(1)
	if err != nil {
		b.Fatal(err)
	}
	x := randomPixels(rand.New(rand.NewPCG(1, 1)))
	dst := make([]float32, model.InputLen)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			run.Run(x, 1)
		}
	})
	b.Run("forward+backward", func(b *testing.B) {
		for b.Loop() {
			if _, err := bp.LossGrad(dst, x, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}
