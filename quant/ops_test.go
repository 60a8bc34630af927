package quant

import (
	"fmt"
	"github.com/edgecache/edgecache/quant/internal/kernel"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model"
)

const guard = 0xA5

// randomConv makes a quantized convolution with random weights, zero points
// and multipliers, prepared for the fast path.
func randomConv(tb testing.TB, rng *rand.Rand, out, in, k, stride int, pad model.Padding, relu bool) *Conv {
	tb.Helper()
	c := &Conv{Out: out, In: in, K: k, Stride: stride, Padding: pad, ReLU: relu,
		Input:  Params{Scale: 0.02, Zero: uint8(rng.IntN(256))},
		Output: Params{Scale: 0.05, Zero: uint8(rng.IntN(256))}}
	c.Weight = make([]int8, out*in*k*k)
	for i := range c.Weight {
		c.Weight[i] = int8(rng.IntN(255) - 127)
	}
	for range out {
		c.WScale = append(c.WScale, 0.01)
		c.Bias = append(c.Bias, int32(rng.IntN(1<<16)-1<<15))
		m, s := quantizeMultiplier(math.Exp(-rng.Float64()*10 - 3))
		c.Mult, c.Shift = append(c.Mult, m), append(c.Shift, int8(s))
	}
	if err := c.prepare("test"); err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestConvFastMatchesRef covers odd sizes, every channel count from 1, both
// paddings and strides, random zero points, with guard bytes after every
// output and an offset input slice.
func TestConvFastMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		k := []int{1, 3}[rng.IntN(2)]
		stride := 1 + rng.IntN(2)
		pad := []model.Padding{model.PadSymmetric, model.PadKerasSame}[rng.IntN(2)]
		out, in := 1+rng.IntN(9), 1+rng.IntN(7)
		if trial%3 == 0 {
			// Channel counts the in-place 3x3 path takes.
			out, in = []int{4, 16, 17, 33}[rng.IntN(4)], []int{4, 8, 16}[rng.IntN(3)]
		}
		h, w := 1+rng.IntN(9), 1+rng.IntN(9)
		switch trial {
		case 0:
			out, in, h, w, k, stride = 64, 64, 8, 8, 3, 1
		case 1, 2:
			// Rows of whole VNNI tiles: the in-place path's row by row case.
			out, in, h, w, k, stride = 17, 16, 5, 16*trial, 3, 1
		}
		c := randomConv(t, rng, out, in, k, stride, pad, rng.IntN(2) == 0)
		name := fmt.Sprintf("trial %d: %dx%dx%d stride %d %v, %dx%d input", trial, out, in, k, stride, pad, h, w)
		off := rng.IntN(5)
		src := make([]uint8, off+h*w*in)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		src = src[off:]
		oh, ow := c.outSize(h, w)
		n := oh * ow * out
		want := make([]uint8, n+16)
		got := make([]uint8, n+16)
		for i := range got {
			got[i], want[i] = guard, guard
		}
		convRef(c, want, src, h, w)
		col := make([]uint8, oh*ow*in*k*k+16)
		for i := range col {
			col[i] = guard
		}
		top, left, bottom, right := c.geometry().Pads(h, w)
		npad := (h + top + bottom) * (w + left + right) * max(in, c.inPad)
		nwide := oh * (w + left + right) * out
		padBuf, wideBuf := make([]uint8, npad+16), make([]uint8, nwide+16)
		for i := range padBuf {
			padBuf[i] = guard
		}
		for i := range wideBuf {
			wideBuf[i] = guard
		}
		convFast(c, got, src, h, w, col[:oh*ow*in*k*k], padBuf[:npad], wideBuf[:nwide])
		for _, g := range append(padBuf[npad:], wideBuf[nwide:]...) {
			if g != guard {
				t.Fatalf("%s: wrote past the padded buffers", name)
			}
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: byte %d of %d: fast %d, reference %d", name, i, n, got[i], want[i])
			}
		}
		for i := oh * ow * in * k * k; i < len(col); i++ {
			if col[i] != guard {
				t.Fatalf("%s: im2col wrote past its rows", name)
			}
		}
	}
}

// TestConvRefIsConvolution checks the reference against float arithmetic:
// dequantize, convolve with zero padding, requantize.
func TestConvRefIsConvolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for range 50 {
		c := randomConv(t, rng, 1+rng.IntN(4), 1+rng.IntN(4), 3, 1+rng.IntN(2), model.PadSymmetric, false)
		h, w := 2+rng.IntN(5), 2+rng.IntN(5)
		src := make([]uint8, h*w*c.In)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		oh, ow := c.outSize(h, w)
		dst := make([]uint8, oh*ow*c.Out)
		convRef(c, dst, src, h, w)
		for y := range oh {
			for x := range ow {
				for o := range c.Out {
					acc := float64(c.Bias[o])
					for i := range c.In {
						for ky := range 3 {
							for kx := range 3 {
								iy, ix := y*c.Stride+ky-1, x*c.Stride+kx-1
								if iy < 0 || iy >= h || ix < 0 || ix >= w {
									continue
								}
								acc += float64(c.Weight[((o*c.In+i)*3+ky)*3+kx]) * float64(int(src[(iy*w+ix)*c.In+i])-int(c.Input.Zero))
							}
						}
					}
					want := acc*float64(c.Mult[o])*math.Ldexp(1, int(c.Shift[o])-31) + float64(c.Output.Zero)
					want = min(max(want, 0), 255)
					if got := float64(dst[(y*ow+x)*c.Out+o]); math.Abs(got-want) > 1 {
						t.Fatalf("pixel %d,%d channel %d: got %v, real %v", y, x, o, got, want)
					}
				}
			}
		}
	}
}

func TestAddRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for range 200 {
		a := &Add{ReLU: rng.IntN(2) == 0}
		p := func() Params {
			return Params{Scale: float32(math.Exp(rng.Float64()*4 - 5)), Zero: uint8(rng.IntN(256))}
		}
		in1, in2, out := p(), p(), p()
		out.Scale = max(out.Scale, (in1.Scale+in2.Scale)/4)
		if err := quantizeAdd(a, in1, in2, out); err != nil {
			t.Fatal(err)
		}
		x, y := make([]uint8, 64), make([]uint8, 64)
		for i := range x {
			x[i], y[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		}
		dst := make([]uint8, 64+8)
		for i := range dst {
			dst[i] = guard
		}
		addRef(a, dst[:64], x, y)
		for i := range x {
			real := float64(in1.Real(x[i])) + float64(in2.Real(y[i]))
			want := real/float64(out.Scale) + float64(out.Zero)
			lo := 0.0
			if a.ReLU {
				lo = float64(out.Zero)
			}
			want = min(max(want, lo), 255)
			if math.Abs(float64(dst[i])-want) > 1 {
				t.Fatalf("%v + %v -> %v: got %d, want %.2f", in1, in2, out, dst[i], want)
			}
		}
		for _, v := range dst[64:] {
			if v != guard {
				t.Fatal("addRef wrote past its output")
			}
		}
	}
}

func TestShortcutAAndPool(t *testing.T) {
	const in, size, out, stride, zp = 3, 5, 7, 2, 9
	src := make([]uint8, size*size*in)
	for i := range src {
		src[i] = uint8(i)
	}
	dst := make([]uint8, 3*3*out)
	shortcutARef(dst, src, in, size, out, stride, zp)
	for y := range 3 {
		for x := range 3 {
			for c := range out {
				want := uint8(zp)
				if c >= 2 && c < 2+in {
					want = src[((2*y)*size+2*x)*in+c-2]
				}
				if got := dst[(y*3+x)*out+c]; got != want {
					t.Fatalf("shortcut A at %d,%d,%d: got %d, want %d", y, x, c, got, want)
				}
			}
		}
	}
	// Pool: 3 pixels of 2 channels; means 2 (exact), 4/3 -> 1, 5/3 -> 2
	// (round half away from zero: 3.5 -> 4 below).
	pool := make([]uint8, 2)
	avgPoolRef(pool, []uint8{1, 0, 2, 2, 3, 2}, 3, 2)
	if pool[0] != 2 || pool[1] != 1 {
		t.Errorf("pool = %v, want [2 1]", pool)
	}
	avgPoolRef(pool, []uint8{3, 255, 4, 255}, 2, 2)
	if pool[0] != 4 || pool[1] != 255 {
		t.Errorf("pool = %v, want [4 255]", pool)
	}
}

func TestChooseParams(t *testing.T) {
	for _, r := range [][2]float64{{0, 6}, {-1, 1}, {-3, 0.1}, {0.5, 2}, {-2, -1}, {0, 0}, {-1e-3, 250}} {
		p, err := chooseParams(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		if p.Real(p.Zero) != 0 {
			t.Errorf("%v: zero point %d is not real zero", r, p.Zero)
		}
		lo, hi := min(r[0], 0), max(r[1], 0)
		if hi > lo && (math.Abs(float64(p.Real(0))-lo) > float64(p.Scale) || math.Abs(float64(p.Real(255))-hi) > float64(p.Scale)) {
			t.Errorf("%v: bytes cover [%v, %v]", r, p.Real(0), p.Real(255))
		}
	}
	if _, err := chooseParams(math.NaN(), 1); err == nil {
		t.Error("NaN range accepted")
	}
}

func TestObserverPercentile(t *testing.T) {
	o := newObserver()
	xs := make([]float32, 100000)
	for i := range xs {
		xs[i] = float32(i)/1000 - 20 // -20 .. 79.999
	}
	o.add(xs)
	lo, hi, err := o.rangeAt(0)
	if err != nil || lo != -20 || math.Abs(hi-79.999) > 1e-4 {
		t.Errorf("min/max = %v, %v, %v", lo, hi, err)
	}
	lo, hi, _ = o.rangeAt(99)
	// The 1st and 99th percentiles are -19 and 78.999; buckets are 2^-7 wide.
	if math.Abs(lo+19) > 19*0.01 || math.Abs(hi-79) > 79*0.01 || lo > -19 || hi < 78.999 {
		t.Errorf("99 %% range = %v, %v; want about -19, 79 (outer bucket edges)", lo, hi)
	}
	o.add([]float32{float32(math.NaN())})
	if _, _, err := o.rangeAt(0); err == nil {
		t.Error("NaN not reported")
	}
}

func TestAddFastMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x, y := make([]uint8, 1<<16), make([]uint8, 1<<16)
	for i := range x {
		x[i], y[i] = uint8(i), uint8(i>>8)
	}
	want, got := make([]uint8, len(x)), make([]uint8, len(x))
	for trial := range 30 {
		a := &Add{ReLU: trial%2 == 0}
		p := func() Params {
			return Params{Scale: float32(math.Exp(rng.Float64()*6 - 7)), Zero: uint8(rng.IntN(256))}
		}
		in1, in2, out := p(), p(), p()
		out.Scale = max(out.Scale, (in1.Scale+in2.Scale)/8)
		if err := quantizeAdd(a, in1, in2, out); err != nil {
			t.Fatal(err)
		}
		addRef(a, want, x, y)
		fast, err := a.fastAdd()
		if err != nil {
			t.Fatal(err)
		}
		fast.Run(got, x, y)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v + %v -> %v: bytes %d + %d: fast %d, reference %d", in1, in2, out, x[i], y[i], got[i], want[i])
			}
		}
	}
}

// TestCalibrateSplit checks that calibration's parallel split changes
// nothing: one image at a time gives the same histograms merged.
func TestCalibrateSplit(t *testing.T) {
	net := testNet(t, 8, false, model.PadSymmetric, 4)
	px := smoothPixels(5, 6)
	all, err := Calibrate(net, px, 5)
	if err != nil {
		t.Fatal(err)
	}
	var one *Calibration
	for i := range 5 {
		c, err := Calibrate(net, px[i*model.InputLen:(i+1)*model.InputLen], 1)
		if err != nil {
			t.Fatal(err)
		}
		if one == nil {
			one = c
			continue
		}
		for name, o := range c.obs {
			one.obs[name].merge(o)
		}
	}
	if len(all.obs) != len(one.obs) {
		t.Fatalf("%d and %d tensors", len(all.obs), len(one.obs))
	}
	for name, o := range all.obs {
		if *o != *one.obs[name] {
			t.Errorf("tensor %s: observations differ", name)
		}
	}
}

// TestRequantFused checks the fused epilogue (kernel.GemmRequant with one
// weight of 1, so each sum is one byte) against the reference
// requantization, over the whole int32 range through the bias and every
// shift.
func TestRequantFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	one, err := kernel.PackWeights(1, 1, []int8{1})
	if err != nil {
		t.Fatal(err)
	}
	src := make([]uint8, 256)
	for i := range src {
		src[i] = uint8(i)
	}
	got := make([]uint8, len(src))
	for trial := range 400 {
		c := &Conv{Out: 1, ReLU: trial%2 == 0, Output: Params{Scale: 1, Zero: uint8(rng.IntN(256))}}
		m, s := quantizeMultiplier(math.Exp(rng.Float64()*30 - 25))
		if trial%7 == 0 {
			s = 0 // e = 0: no rounding shift
		}
		c.Mult, c.Shift = []int32{m}, []int8{int8(s)}
		bias := int32(rng.Uint32()) >> rng.IntN(32)
		if trial%5 == 0 {
			bias = math.MaxInt32 - 100
		}
		lo := uint8(0)
		if c.ReLU {
			lo = c.Output.Zero
		}
		rq, err := kernel.NewRequant(1, []int32{bias}, c.Mult, c.Shift, c.Output.Zero, lo)
		if err != nil {
			t.Fatal(err)
		}
		one.GemmRequant(len(src), src, 1, got, 1, rq)
		for i, a := range src {
			if want := c.requantize(int32(a)+bias, 0); got[i] != want {
				t.Fatalf("acc %d + %d, mult %d shift %d: fast %d, reference %d", a, bias, m, s, got[i], want)
			}
		}
	}
}
