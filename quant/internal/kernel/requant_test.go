package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tfliteRequant is the specification of one requantized value, written from
// gemmlowp's fixedpoint.h and TFLite's common.h independently of requantGo:
// SaturatingRoundingDoublingHighMul with its nudge and truncating division,
// RoundingDivideByPOT by remainder and threshold.
func tfliteRequant(acc, bias, mult int32, shift int8, zero, lo uint8) uint8 {
	x := acc + bias
	left, right := 0, 0
	if shift > 0 {
		left = int(shift)
	} else {
		right = int(-shift)
	}
	if left > 0 {
		s := int64(x) << left
		x = int32(min(max(s, math.MinInt32), math.MaxInt32))
	}
	var hi int32
	if x == math.MinInt32 && mult == math.MinInt32 {
		hi = math.MaxInt32
	} else {
		ab := int64(x) * int64(mult)
		nudge := int64(1 << 30)
		if ab < 0 {
			nudge = 1 - (1 << 30)
		}
		hi = int32((ab + nudge) / (1 << 31))
	}
	mask := int32(int64(1)<<right - 1)
	rem, thr := hi&mask, mask>>1
	if hi < 0 {
		thr++
	}
	v := hi >> right
	if rem > thr {
		v++
	}
	return uint8(min(max(int64(v)+int64(zero), int64(lo)), 255))
}

// requantEdges are sums and multipliers at the edges of the arithmetic.
var (
	edgeSums  = []int32{0, 1, -1, 2, -2, 3, -3, 1 << 30, -1 << 30, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1, 1<<15 + 1, -(1<<15 + 1), 12345678, -12345678}
	edgeMults = []int32{0, 1 << 30, 1<<30 + 1, math.MaxInt32, math.MaxInt32 - 1, 1518500250}
)

func TestRequantGoMatchesTFLite(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for shift := int8(-31); shift <= 30; shift++ {
		for _, mult := range edgeMults {
			for _, zl := range [][2]uint8{{0, 0}, {128, 0}, {128, 128}, {7, 7}, {255, 0}} {
				rq, err := NewRequant(1, []int32{0}, []int32{mult}, []int8{shift}, zl[0], zl[1])
				if err != nil {
					t.Fatal(err)
				}
				sums := append([]int32(nil), edgeSums...)
				for range 200 {
					sums = append(sums, int32(r.Uint32()), int32(r.IntN(1<<20)-1<<19))
				}
				// Ties of the final rounding: v = k*2^right + 2^(right-1).
				if shift < 0 {
					for _, k := range []int64{0, 1, -1, 5, -5} {
						v := k<<(-shift) + 1<<(-shift-1)
						if x := v << 31 / int64(max(mult, 1)); x >= math.MinInt32 && x <= math.MaxInt32 {
							sums = append(sums, int32(x), int32(x)+1, int32(x)-1)
						}
					}
				}
				for _, s := range sums {
					if got, want := rq.requantGo(s, 0), tfliteRequant(s, 0, mult, shift, zl[0], zl[1]); got != want {
						t.Fatalf("sum %d mult %d shift %d zero %d lo %d: %d, want %d", s, mult, shift, zl[0], zl[1], got, want)
					}
				}
			}
		}
	}
}

func TestNewRequantRejects(t *testing.T) {
	for _, c := range []struct {
		m     int
		mult  int32
		shift int8
	}{{0, 1 << 30, 0}, {2, 1 << 30, 0}, {1, 1<<30 - 1, 0}, {1, -5, 0}, {1, 1 << 30, 31}, {1, 1 << 30, -32}} {
		if _, err := NewRequant(c.m, []int32{0}, []int32{c.mult}, []int8{c.shift}, 0, 0); err == nil {
			t.Errorf("m=%d mult=%d shift=%d: no error", c.m, c.mult, c.shift)
		}
	}
}

// randRequant gives m channels constants drawn from the edges and at random:
// biases so large that sums wrap, every shift, extreme multipliers.
func randRequant(t testing.TB, r *rand.Rand, m int) *Requant {
	bias, mult, shift := make([]int32, m), make([]int32, m), make([]int8, m)
	// Half the time no channel shifts left: the kernel's other epilogue.
	noLeft := r.IntN(2) == 0
	for i := range m {
		switch r.IntN(4) {
		case 0:
			bias[i] = edgeSums[r.IntN(len(edgeSums))]
		case 1:
			bias[i] = int32(r.Uint32())
		default:
			bias[i] = int32(r.IntN(1<<16) - 1<<15)
		}
		if r.IntN(2) == 0 {
			mult[i] = edgeMults[r.IntN(len(edgeMults))]
		} else {
			mult[i] = 1<<30 + int32(r.IntN(1<<30))
		}
		switch r.IntN(3) {
		case 0:
			shift[i] = int8(r.IntN(62) - 31)
			if noLeft {
				shift[i] = int8(-r.IntN(32))
			}
		default:
			shift[i] = int8(-r.IntN(12))
		}
	}
	zero := uint8(r.IntN(256))
	lo := uint8(0)
	if r.IntN(2) == 0 {
		lo = zero
	}
	rq, err := NewRequant(m, bias, mult, shift, zero, lo)
	if err != nil {
		t.Fatal(err)
	}
	return rq
}

// checkRequant runs GemmRequant on kernel k and compares it with gemmRef and
// requantGo, with guard bytes around and between dst's rows.
func (g *gemmCase) checkRequant(t *testing.T, k *kernel, rq *Requant, ldd, doff int) {
	t.Helper()
	w, err := packWeights(k, g.m, g.depth, g.a)
	if err != nil {
		t.Fatalf("%s: %v", g, err)
	}
	acc := make([]int32, g.m*g.n)
	gemmRef(g.m, g.depth, g.a, g.n, g.b[g.boff:], g.ldb, acc, g.n)
	dlen := doff + (g.n-1)*ldd + g.m + 9
	want := make([]uint8, dlen)
	got := make([]uint8, dlen)
	for i := range got {
		got[i], want[i] = 0xA5, 0xA5
	}
	for i := range g.m {
		for j := range g.n {
			want[doff+j*ldd+i] = rq.requantGo(acc[i*g.n+j], i)
		}
	}
	w.GemmRequant(g.n, g.b[g.boff:], g.ldb, got[doff:], ldd, rq)
	for i := range got {
		if got[i] != want[i] {
			j, c := (i-doff)/ldd, (i-doff)%ldd
			t.Fatalf("%s ldd=%d doff=%d kernel %s: dst[%d] (pixel %d channel %d) = %d, want %d", g, ldd, doff, w.Kernel(), i, j, c, got[i], want[i])
		}
	}
}

func TestGemmRequant(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ms := []int{1, 3, 15, 16, 17, 32, 33, 64}
	depths := []int{1, 3, 4, 5, 17, 27, 144, 147, 288, 576}
	ns := []int{1, 2, 15, 16, 17, 31, 33, 64, 100, 256, 1024}
	for _, k := range kernels(t) {
		t.Run(k.name, func(t *testing.T) {
			for _, m := range ms {
				for _, depth := range depths {
					n := ns[r.IntN(len(ns))]
					if testing.Short() && m*depth*n > 1<<18 {
						n = 1 + r.IntN(64)
					}
					g := randCase(r, m, depth, n)
					g.checkRequant(t, k, randRequant(t, r, m), m+[]int{0, 0, 1, 7, 64}[r.IntN(5)], r.IntN(17))
				}
			}
		})
	}
}

// TestGemmRequantSegments compares GemmRequantSegments with GemmRequant on
// the same runs gathered, for every kernel, 3x3-like and odd shapes, with
// guard bytes around dst's rows.
func TestGemmRequantSegments(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, k := range kernels(t) {
		for trial := range 120 {
			m := []int{1, 5, 16, 17, 32, 64}[r.IntN(6)]
			segs := 1 + r.IntN(3)
			c := []int{1, 3, 4, 8, 16, 32, 64}[r.IntN(7)]
			seg := c * (1 + r.IntN(3))
			depth := segs * seg
			n := []int{1, 3, 15, 16, 17, 31, 32, 33, 78, 100}[r.IntN(10)]
			ldb := c
			segStride := (n + 2 + r.IntN(3)) * c
			b := make([]uint8, (n-1)*ldb+(segs-1)*segStride+seg)
			for i := range b {
				b[i] = uint8(r.Uint32())
			}
			a := make([]int8, m*depth)
			for i := range a {
				a[i] = int8(r.IntN(255) - 127)
			}
			w, err := packWeights(k, m, depth, a)
			if err != nil {
				t.Fatal(err)
			}
			gathered := make([]uint8, n*depth)
			for j := range n {
				for s := range segs {
					copy(gathered[j*depth+s*seg:][:seg], b[j*ldb+s*segStride:])
				}
			}
			rq := randRequant(t, r, m)
			ldd := m + r.IntN(3)
			want := make([]uint8, (n-1)*ldd+m+5)
			got := make([]uint8, len(want))
			for i := range got {
				got[i], want[i] = 0xA5, 0xA5
			}
			w.GemmRequant(n, gathered, depth, want, ldd, rq)
			w.GemmRequantSegments(n, b, ldb, segs, segStride, got, ldd, rq)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("kernel %s trial %d m=%d segs=%d seg=%d n=%d ldd=%d: dst[%d] = %d, want %d", k.name, trial, m, segs, seg, n, ldd, i, got[i], want[i])
				}
			}
		}
	}
}

// TestRequantRowMatchesRequantGo checks the hoisted loop of the Go path
// against requantGo over every shift and edge sum.
func TestRequantRowMatchesRequantGo(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	sums := append([]int32(nil), edgeSums...)
	for range 500 {
		sums = append(sums, int32(r.Uint32()), int32(r.IntN(1<<20)-1<<19))
	}
	got := make([]uint8, len(sums)*3)
	for trial := range 300 {
		rq := randRequant(t, r, 1)
		rq.requantRow(got, 3, sums, 0)
		for j, s := range sums {
			if want := rq.requantGo(s, 0); got[j*3] != want {
				t.Fatalf("trial %d: sum %d mult %d shift %d: %d, want %d", trial, s, rq.mult[0], rq.shift[0], got[j*3], want)
			}
		}
	}
}
