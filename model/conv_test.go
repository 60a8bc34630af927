package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model/internal/gemm"
)

// convTolerance is the bound on |fast - convRef| for one output whose terms
// (weights times inputs, bias, residual) have absolute sum absSum: each
// result differs from the exact one by at most gamma(n) * absSum with
// gamma(n) = n*u/(1-n*u), u = 2^-24 and n the number of terms, in any
// summation order and with or without FMA (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., section 3.1). The fast path sums in another
// order than convRef (bias last, FMA), so the two bounds add.
func convTolerance(terms int, absSum float32) float64 {
	n := float64(terms)
	const u = 1.0 / (1 << 24)
	return 2*n*u/(1-n*u)*float64(absSum) + 1e-30
}

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

func absSlice(x []float32) []float32 {
	if x == nil {
		return nil
	}
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(math.Abs(float64(v)))
	}
	return y
}

type convCase struct {
	in, out, k, stride, size, batch int
	pad                             Padding
	residual, relu                  bool
}

func (cc convCase) String() string {
	return fmt.Sprintf("%dx%d->%d k%d s%d %v batch %d res %v relu %v", cc.size, cc.in, cc.out, cc.k, cc.stride, cc.pad, cc.batch, cc.residual, cc.relu)
}

// convRun is one run of a fast convolver and convRef on the same random
// batch: the input and residual, both outputs, and bound, convRef on the
// absolute values (each output's sum of |terms|).
type convRun struct {
	src, res, got, want, bound []float32
}

// runConv draws a random batch (and residual) for cc, runs fast and convRef
// on it, and fails t if fast wrote past its outputs (guard values follow
// them).
func runConv(t *testing.T, rng *rand.Rand, cc convCase, fast convolver, c *Conv) convRun {
	t.Helper()
	h := cc.size
	oh, ow := c.OutSize(h, h)
	var r convRun
	r.src = randSlice(rng, cc.batch*cc.in*h*h, 1)
	n := cc.batch * cc.out * oh * ow
	if cc.residual {
		r.res = randSlice(rng, n, 1)
	}
	const guard = -777.25
	got := make([]float32, n+37)
	for i := range got {
		got[i] = guard
	}
	r.want = make([]float32, n)
	fast.apply(got, r.src, cc.batch, h, h, r.res, cc.relu)
	convRef(c, r.want, r.src, cc.batch, h, h, r.res, cc.relu)
	for i := n; i < len(got); i++ {
		if got[i] != guard {
			t.Fatalf("%v: wrote past the output (value %d is %v)", cc, i, got[i])
		}
	}
	r.got = got[:n]
	r.bound = absConv(c, r.src, cc.batch, h, h, r.res)
	return r
}

// absConv is convRef of |c| on |src| and |res|, no ReLU: each output's sum of
// the absolute values of its terms.
func absConv(c *Conv, src []float32, batch, h, w int, res []float32) []float32 {
	absC := *c
	absC.Weight, absC.Bias = absSlice(c.Weight), absSlice(c.Bias)
	oh, ow := c.OutSize(h, w)
	bound := make([]float32, batch*c.Out*oh*ow)
	convRef(&absC, bound, absSlice(src), batch, h, w, absSlice(res), false)
	return bound
}

// checkConv runs fast against convRef on random data, with guard values
// after the batch's outputs, and fails t on any output beyond the
// tolerance.
func checkConv(t *testing.T, rng *rand.Rand, cc convCase, fast convolver, c *Conv) {
	t.Helper()
	r := runConv(t, rng, cc, fast, c)
	terms := cc.in*cc.k*cc.k + 2
	for i := range r.want {
		d := math.Abs(float64(r.got[i] - r.want[i]))
		if tol := convTolerance(terms, r.bound[i]); !(d <= tol) {
			t.Fatalf("%v: output %d is %v, convRef %v (|diff| %g > tolerance %g)", cc, i, r.got[i], r.want[i], d, tol)
		}
	}
}

func randConv(rng *rand.Rand, cc convCase) *Conv {
	return &Conv{Out: cc.out, In: cc.in, K: cc.k, Stride: cc.stride, Padding: cc.pad,
		Weight: randSlice(rng, cc.out*cc.in*cc.k*cc.k, 0.3), Bias: randSlice(rng, cc.out, 0.5)}
}

// Every convolution shape of the CIFAR ResNets, both paddings, odd batches,
// with and without residual and ReLU, must match convRef.
func TestFastConvMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := []convCase{
		{in: 3, out: 16, k: 3, stride: 1, size: 32},  // stem
		{in: 16, out: 16, k: 3, stride: 1, size: 32}, // stage 1
		{in: 16, out: 32, k: 3, stride: 2, size: 32}, // stage 2, first block
		{in: 16, out: 32, k: 1, stride: 2, size: 32}, // its projection shortcut
		{in: 32, out: 32, k: 3, stride: 1, size: 16}, // stage 2
		{in: 32, out: 64, k: 3, stride: 2, size: 16}, // stage 3, first block
		{in: 32, out: 64, k: 1, stride: 2, size: 16},
		{in: 64, out: 64, k: 3, stride: 1, size: 8}, // stage 3
		// Off the ResNet path: odd sizes, a 1x1 stride-1, a 5x5, wide stride.
		{in: 5, out: 8, k: 3, stride: 2, size: 7},
		{in: 3, out: 24, k: 1, stride: 1, size: 9},
		{in: 4, out: 8, k: 5, stride: 1, size: 11},
		{in: 2, out: 8, k: 3, stride: 3, size: 10},
		// Output channels that do not fill panels of gemm.MR.
		{in: 3, out: 5, k: 3, stride: 1, size: 9},
		{in: 7, out: 13, k: 3, stride: 2, size: 8},
		{in: 16, out: 10, k: 1, stride: 1, size: 5},
	}
	for _, sh := range shapes {
		for _, pad := range []Padding{PadSymmetric, PadKerasSame} {
			cc := sh
			cc.pad = pad
			cc.batch = 1 + 2*rng.IntN(2)
			cc.residual = rng.IntN(2) == 0
			cc.relu = rng.IntN(2) == 0
			c := randConv(rng, cc)
			fast := newFastConv(c)                // the direct path; Winograd has its own test
			if testing.Short() && cc.size >= 16 { // convRef is slow under qemu
				cc.batch = 1
			}
			checkConv(t, rng, cc, fast, c)
			if testing.Short() && cc.size >= 16 {
				continue
			}
			// The same convolver again, with the other residual/ReLU choice,
			// a different batch, and then a different input size.
			cc.residual, cc.relu, cc.batch = !cc.residual, !cc.relu, 2
			checkConv(t, rng, cc, fast, c)
			cc.size++
			checkConv(t, rng, cc, fast, c)
		}
	}
}

// Only a convolution without taps or outputs keeps the reference; an input
// that gives no output goes to it at run time.
func TestNewConvolverFallsBack(t *testing.T) {
	c := &Conv{Out: 0, In: 2, K: 3, Stride: 1}
	if _, ok := newConvolver(c).(refConv); !ok {
		t.Fatalf("newConvolver(Out %d) is %T, want refConv", c.Out, newConvolver(c))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	cc := convCase{in: 2, out: gemm.MR, k: 3, stride: 1, size: 6, batch: 1}
	c = randConv(rng, cc)
	var f convolver = newFastConv(c)
	f.apply(nil, nil, 1, 0, 0, nil, true) // an empty image has no output
	if g := f.(*fastConv).geo; !g.reference {
		t.Fatalf("no-output geometry not sent to the reference: %+v", g)
	}
	checkConv(t, rng, cc, f, c) // and back to the fast path
	if f.(*fastConv).geo.reference {
		t.Fatal("6x6 input still on the reference")
	}
}

// UseReferenceConvolutions makes r run every convolution with convRef, for
// tests and benchmarks (in package model_test) that compare the two paths.
func UseReferenceConvolutions(r *Runner) {
	r.stem = refConv{&r.net.Stem}
	for s := range r.blocks {
		for b := range r.blocks[s] {
			blk, br := &r.net.Stages[s][b], &r.blocks[s][b]
			br.conv1, br.conv2 = refConv{&blk.Conv1}, refConv{&blk.Conv2}
			if blk.Shortcut != nil {
				br.short = refConv{blk.Shortcut}
			}
		}
	}
}

// UseSharedScratch gives r convolvers that share padded planes through one
// convScratch, as NewRunner would with the change proposed in the report.
func UseSharedScratch(r *Runner) {
	s := &convScratch{}
	r.stem = newConvolverShared(&r.net.Stem, s)
	for st := range r.blocks {
		for b := range r.blocks[st] {
			blk, br := &r.net.Stages[st][b], &r.blocks[st][b]
			br.conv1, br.conv2 = newConvolverShared(&blk.Conv1, s), newConvolverShared(&blk.Conv2, s)
			if blk.Shortcut != nil {
				br.short = newConvolverShared(blk.Shortcut, s)
			}
		}
	}
}

// NewDirectConvolution returns the direct (implicit GEMM) path's apply for
// c, the peer of NewConvolution's Winograd in benchmarks.
func NewDirectConvolution(c *Conv) func(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	return newFastConv(c).apply
}

// NewConvolution returns the fast path's apply for c, for benchmarks.
func NewConvolution(c *Conv) func(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	return newConvolver(c).apply
}
