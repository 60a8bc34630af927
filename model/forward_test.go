package model_test

import (
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

func TestBuildInfersArchitecture(t *testing.T) {
	for _, tc := range []struct {
		depth, classes int
		b              bool
		want           model.Shortcut
	}{{20, 10, false, model.ShortcutA}, {32, 100, true, model.ShortcutB}, {56, 10, false, model.ShortcutA}} {
		n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(tc.depth, tc.classes, tc.b, 1))
		if err != nil {
			t.Fatal(err)
		}
		if n.Depth != tc.depth || n.Classes != tc.classes || n.Shortcut != tc.want {
			t.Errorf("got %v, want depth %d classes %d shortcut %v", n, tc.depth, tc.classes, tc.want)
		}
		if got, want := len(n.Taps()), 1+2*3*(tc.depth-2)/6+2; got != want {
			t.Errorf("%d taps, want %d", got, want)
		}
	}
}

func TestBuildRejectsBadWeights(t *testing.T) {
	spec := model.Spec{Norm: modeltest.CIFARNorm}
	w := modeltest.RandomWeights(20, 10, false, 1)
	w["layer2.0.conv1.weight"] = model.NewTensor(32, 16, 1, 1)
	_, err := model.Build(spec, w)
	want := `model: tensor "layer2.0.conv1.weight": expected shape [32 16 3 3], found [32 16 1 1]`
	if err == nil || err.Error() != want {
		t.Errorf("wrong shape: got %v, want %s", err, want)
	}
	w = modeltest.RandomWeights(20, 10, false, 1)
	w["layer9.0.conv1.weight"] = model.NewTensor(1)
	if _, err := model.Build(spec, w); err == nil {
		t.Error("unknown tensor accepted")
	}
	w = modeltest.RandomWeights(20, 10, false, 1)
	delete(w, "layer3.2.bn2.running_var")
	if _, err := model.Build(spec, w); err == nil {
		t.Error("incomplete batch norm accepted")
	}
	w = modeltest.RandomWeights(20, 10, false, 1)
	w["fc.bias"] = model.Tensor{Shape: []int{10}, Data: make([]float32, 3)}
	if _, err := model.Build(spec, w); err == nil {
		t.Error("short data accepted")
	}
	if _, err := model.Build(model.Spec{Norm: model.Norm{Mean: []float32{0}, Std: []float32{1}}}, modeltest.RandomWeights(20, 10, false, 1)); err == nil {
		t.Error("bad normalisation accepted")
	}
}

func TestKerasSamePads(t *testing.T) {
	c := model.Conv{K: 3, Stride: 2, Padding: model.PadKerasSame}
	if tp, l, b, r := c.Pads(32, 32); tp != 0 || l != 0 || b != 1 || r != 1 {
		t.Errorf("stride-2 3x3 keras pads = %d %d %d %d, want 0 0 1 1", tp, l, b, r)
	}
	if oh, ow := c.OutSize(32, 32); oh != 16 || ow != 16 {
		t.Errorf("out %dx%d", oh, ow)
	}
	c = model.Conv{K: 3, Stride: 2, Padding: model.PadSymmetric}
	if oh, _ := c.OutSize(32, 32); oh != 16 {
		t.Errorf("symmetric out %d", oh)
	}
	c = model.Conv{K: 1, Stride: 2, Padding: model.PadKerasSame}
	if tp, _, b, _ := c.Pads(32, 32); tp != 0 || b != 0 {
		t.Errorf("1x1 keras pads %d %d", tp, b)
	}
}

func randomPixels(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*model.InputLen)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// A batch must give each image the logits it gets alone, and taps must be
// consistent with the logits they feed.
func TestRunBatchMatchesSingle(t *testing.T) {
	for _, b := range []bool{false, true} {
		n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm, Padding: model.PadKerasSame}, modeltest.RandomWeights(20, 10, b, 3))
		if err != nil {
			t.Fatal(err)
		}
		x := randomPixels(3, 5)
		rb, _ := n.NewRunner(3, "pool")
		batch, err := rb.Run(x, 3)
		if err != nil {
			t.Fatal(err)
		}
		pool := rb.Tap("pool")
		if len(pool) != 3*64 {
			t.Fatalf("pool tap has %d values", len(pool))
		}
		r1, _ := n.NewRunner(1)
		for i := 0; i < 3; i++ {
			one, _ := r1.Run(x[i*model.InputLen:(i+1)*model.InputLen], 1)
			for j := range one {
				if d := one[j] - batch[i*10+j]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("shortcut B %v image %d logit %d: batch %v single %v", b, i, j, batch[i*10+j], one[j])
				}
			}
			// logits = fc(pool)
			for o := 0; o < 10; o++ {
				s := n.FC.Bias[o]
				for k := 0; k < 64; k++ {
					s += n.FC.Weight[o*64+k] * pool[i*64+k]
				}
				if d := s - batch[i*10+o]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("fc(pool) %v != logit %v", s, batch[i*10+o])
				}
			}
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	n, _ := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(20, 10, false, 3))
	if _, err := n.NewRunner(2, "layer7.0"); err == nil {
		t.Error("unknown tap accepted")
	}
	r, _ := n.NewRunner(2)
	if _, err := r.Run(make([]float32, 100), 1); err == nil {
		t.Error("short input accepted")
	}
	if _, err := r.Run(make([]float32, 3*model.InputLen), 3); err == nil {
		t.Error("batch over capacity accepted")
	}
}

// Keeping a block's pre-add tensors runs its residual add apart from the
// convolution; the output must not change, and the tensors must add up.
func TestInnerTaps(t *testing.T) {
	n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(20, 10, true, 9))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Taps()) != 1+2*9+2 {
		t.Errorf("Taps lists %d, want the 21 network outputs only", len(n.Taps()))
	}
	x := randomPixels(2, 11)
	fused, _ := n.NewRunner(2)
	want, _ := fused.Run(x, 2)
	want = append([]float32(nil), want...)
	r, err := n.NewRunner(2, "layer1.1", "layer1.2.conv2", "layer1.2", "layer2.0.conv2", "layer2.0.shortcut", "layer2.0")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.Run(x, 2)
	for i := range want {
		if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("logit %d: unfused %v, fused %v", i, got[i], want[i])
		}
	}
	check := func(block, conv2, residual []float32) {
		t.Helper()
		for i, v := range block {
			if w := max(conv2[i]+residual[i], 0); v != w {
				t.Fatalf("value %d: block %v, relu(conv2 + residual) %v", i, v, w)
			}
		}
	}
	check(r.Tap("layer1.2"), r.Tap("layer1.2.conv2"), r.Tap("layer1.1"))
	check(r.Tap("layer2.0"), r.Tap("layer2.0.conv2"), r.Tap("layer2.0.shortcut"))
	if _, err := n.NewRunner(1, "layer1.0.shortcut"); err == nil {
		t.Error("a shortcut tap on an identity block was accepted")
	}
}

func TestSoftmax(t *testing.T) {
	p := make([]float32, 3)
	model.Softmax(p, []float32{1000, 1000, -1000}) // naive exp overflows
	if p[0] != 0.5 || p[1] != 0.5 || p[2] != 0 {
		t.Errorf("softmax = %v, want [0.5 0.5 0]", p)
	}
}
