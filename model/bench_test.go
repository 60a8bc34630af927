package model_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/edgecache/edgecache/model/cputime"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/internal/gemm"
	"github.com/edgecache/edgecache/model/modeltest"
)

// resnet32 is the benchmark network: the shape of the ace-compiler ONNX
// ResNet32 (projection shortcuts, symmetric padding), random weights.
func resnet32(tb testing.TB, pad model.Padding) *model.Net {
	n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm, Padding: pad}, modeltest.RandomWeights(32, 10, true, 1))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// The fast convolutions must give the logits and taps of the reference path.
// Tolerance: each convolution's rounding differs by at most 2*gamma(n) times
// the absolute sum of its terms (conv_test.go); over a network those errors
// are amplified by the layers after them, which no simple bound follows, so
// the check is relative to the scale of each output: 1e-4 of the largest
// absolute value of the layer. With u = 2^-24 ~ 6e-8 and n <= 578 terms the
// per-layer bound is ~7e-5 of the absolute sum, and rounding errors of random
// sign add like a random walk (typically ~sqrt(n)*u ~ 1.4e-6), so 1e-4 leaves
// a wide margin for 31 layers while still catching any real indexing error,
// which changes outputs by O(1) of their scale.
func TestRunnerFastMatchesReference(t *testing.T) {
	taps := []string{"conv1", "layer1.0.relu", "layer2.0", "layer3.4.relu", "layer3.4", "pool", "fc"}
	pads, kinds, counts := []model.Padding{model.PadSymmetric, model.PadKerasSame}, []bool{true, false}, []int{3, 1}
	if testing.Short() { // the reference path is slow, above all under qemu
		pads, kinds, counts = pads[:1], kinds[:1], counts[1:]
	}
	for _, pad := range pads {
		for _, b := range kinds {
			n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm, Padding: pad}, modeltest.RandomWeights(32, 10, b, 7))
			if err != nil {
				t.Fatal(err)
			}
			const batch = 3
			x := pixels(batch, 9)
			fast, _ := n.NewRunner(batch, taps...)
			ref, _ := n.NewRunner(batch, taps...)
			model.UseReferenceConvolutions(ref)
			shared, _ := n.NewRunner(batch, taps...)
			model.UseSharedScratch(shared)
			for _, count := range counts {
				got, err := fast.Run(x[:count*model.InputLen], count)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := ref.Run(x[:count*model.InputLen], count)
				compareLayer(t, fmt.Sprintf("%v shortcut B %v batch %d logits", pad, b, count), got, want)
				// Sharing padded planes must not change a single bit.
				sh, _ := shared.Run(x[:count*model.InputLen], count)
				for i := range sh {
					if sh[i] != got[i] {
						t.Fatalf("%v shortcut B %v batch %d: shared scratch logit %d is %v, own scratch %v", pad, b, count, i, sh[i], got[i])
					}
				}
				for _, tap := range taps {
					compareLayer(t, fmt.Sprintf("%v shortcut B %v batch %d tap %s", pad, b, count, tap), fast.Tap(tap), ref.Tap(tap))
				}
			}
		}
	}
}

func compareLayer(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-4*scale) {
			t.Fatalf("%s: value %d is %v, reference %v (|diff| %g > 1e-4 * scale %g)", what, i, got[i], want[i], d, scale)
		}
	}
}

func pixels(n int, seed uint32) []float32 {
	x := make([]float32, n*model.InputLen)
	s := seed
	for i := range x {
		s = s*1664525 + 1013904223 // Numerical Recipes LCG: cheap, fixed
		x[i] = float32(s>>8) / (1 << 24)
	}
	return x
}

// resnet32MACs is the multiply-adds of one ResNet32 (shortcut B) image.
func resnet32MACs(n *model.Net) float64 {
	macs := 0.0
	conv := func(c *model.Conv, size int) int {
		oh, ow := c.OutSize(size, size)
		macs += float64(c.Out * c.In * c.K * c.K * oh * ow)
		return oh
	}
	size := conv(&n.Stem, model.InputSize)
	for s := range n.Stages {
		for b := range n.Stages[s] {
			blk := &n.Stages[s][b]
			if blk.Shortcut != nil {
				conv(blk.Shortcut, size)
			}
			oh := conv(&blk.Conv1, size)
			conv(&blk.Conv2, oh)
			size = oh
		}
	}
	return macs
}

type convPath int

const (
	fastPath convPath = iota
	sharedPath
	referencePath
	directPath // no Winograd: the implicit GEMM for every convolution
)

// benchRunner times Run; pause > 0 sleeps that long between runs (outside
// the timings). On a loaded machine Linux's scheduler favours a process that
// sleeps now and then over a busy loop: node's await between ONNX Runtime
// runs gives it that, and a 200 us pause gives us the same conditions (see
// BenchmarkResNet32Batch1Paced).
func benchRunner(b *testing.B, batch int, path convPath, pause time.Duration) {
	n := resnet32(b, model.PadSymmetric)
	r, err := n.NewRunner(batch)
	if err != nil {
		b.Fatal(err)
	}
	switch path {
	case sharedPath:
		model.UseSharedScratch(r)
	case referencePath:
		model.UseReferenceConvolutions(r)
	case directPath:
		model.UseDirectConvolutions(r)
	}
	x := pixels(batch, 1)
	var times []time.Duration
	cpu0 := cputime.Self()
	for b.Loop() {
		t0 := time.Now()
		if _, err := r.Run(x, batch); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
		if pause > 0 {
			b.StopTimer()
			time.Sleep(pause)
			b.StartTimer()
		}
	}
	cpu := cputime.Self() - cpu0
	// The machine is shared: the mean (ns/op) counts the time other
	// processes hold the core, the median of single runs less, the fastest
	// run and the CPU time hardly. tools/ort/bench.mjs reports the same.
	slices.Sort(times)
	median := times[len(times)/2].Seconds() / float64(batch)
	perImage := b.Elapsed().Seconds() / float64(b.N*batch)
	b.ReportMetric(median*1e3, "ms/image")
	b.ReportMetric(perImage*1e3, "mean-ms/image")
	b.ReportMetric(times[0].Seconds()/float64(batch)*1e3, "min-ms/image")
	if cpu > 0 && pause == 0 { // the runtime spins a little around each sleep
		b.ReportMetric(cpu.Seconds()/float64(b.N*batch)*1e3, "cpu-ms/image")
	}
	b.ReportMetric(1/median, "images/s")
	b.ReportMetric(resnet32MACs(n)/median/1e9, "GMAC/s")
}

// BenchmarkResNet32Batch1 is the latency figure compared with ONNX Runtime
// (tools/ort/bench.mjs on resnet32_cifar10_pre.onnx), one thread.
func BenchmarkResNet32Batch1(b *testing.B) { benchRunner(b, 1, fastPath, 0) }

// BenchmarkResNet32Batch1Paced is batch 1 with a 200 us pause between runs,
// for a like-for-like median with tools/ort/bench.mjs on a busy machine.
func BenchmarkResNet32Batch1Paced(b *testing.B) { benchRunner(b, 1, fastPath, 200*time.Microsecond) }

func BenchmarkResNet32Batch32(b *testing.B) { benchRunner(b, 32, fastPath, 0) }

// BenchmarkResNet32Batch1Direct is batch 1 without Winograd, the peer that
// shows its gain in the same run (the same as BenchmarkResNet32Batch1 where
// model.WinogradInUse is false).
func BenchmarkResNet32Batch1Direct(b *testing.B) { benchRunner(b, 1, directPath, 0) }

// BenchmarkResNet32Batch1Shared is batch 1 with the padded planes shared
// across convolutions (UseSharedScratch), as proposed for NewRunner.
func BenchmarkResNet32Batch1Shared(b *testing.B) { benchRunner(b, 1, sharedPath, 0) }

// BenchmarkResNet32Reference is the reference path, for the speed-up.
func BenchmarkResNet32Reference(b *testing.B) { benchRunner(b, 1, referencePath, 0) }

// BenchmarkConv reports GFLOP/s (2 per multiply-add of the direct
// convolution, whatever the path does) of each convolution shape of ResNet32,
// batch 1, with the path NewRunner picks; the 3x3 stride-1 shapes also on the
// direct path ("direct"), Winograd's peer in the same run.
func BenchmarkConv(b *testing.B) {
	n := resnet32(b, model.PadSymmetric)
	for _, cs := range []struct {
		name string
		c    *model.Conv
		size int
		res  bool
	}{
		{"stem", &n.Stem, 32, false},
		{"stage1", &n.Stages[0][1].Conv2, 32, true},
		{"stage2-down", &n.Stages[1][0].Conv1, 32, false},
		{"stage2-short", n.Stages[1][0].Shortcut, 32, false},
		{"stage2", &n.Stages[1][1].Conv2, 16, true},
		{"stage3-down", &n.Stages[2][0].Conv1, 16, false},
		{"stage3", &n.Stages[2][1].Conv2, 8, true},
	} {
		paths := []convPathBench{{gemm.Kernel(), model.NewConvolution}}
		if cs.c.K == 3 && cs.c.Stride == 1 && model.WinogradInUse() {
			paths = []convPathBench{{"winograd", model.NewConvolution}, {"direct-" + gemm.Kernel(), model.NewDirectConvolution}}
		}
		for _, p := range paths {
			b.Run(cs.name+"/"+p.name, func(b *testing.B) { benchConv(b, cs.c, cs.size, cs.res, p.mk) })
		}
	}
}

type convApply = func(dst, src []float32, batch, h, w int, residual []float32, relu bool)

type convPathBench struct {
	name string
	mk   func(*model.Conv) convApply
}

func benchConv(b *testing.B, c *model.Conv, size int, withRes bool, mk func(*model.Conv) convApply) {
	oh, ow := c.OutSize(size, size)
	src := pixels(c.In*size*size, 3)
	dst := make([]float32, c.Out*oh*ow)
	var res []float32
	if withRes {
		res = pixels(len(dst), 4)
	}
	apply := mk(c)
	cpu0 := cputime.Self()
	for b.Loop() {
		apply(dst, src, 1, size, size, res, true)
	}
	cpu := cputime.Self() - cpu0
	flops := 2 * float64(c.Out*c.In*c.K*c.K*oh*ow) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flops/cpu.Seconds()/1e9, "cpu-GFLOP/s")
	}
}
