package cache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"

	"github.com/edgecache/edgecache/cache/internal/bound"
	"github.com/edgecache/edgecache/cache/internal/f16"
)

const guard = float32(-12345.678) // written around outputs; must survive

// randKeys returns n keys of dim fp16 values starting off elements into the
// slice (unaligned on purpose), and the slice without the offset.
func randKeys(r *rand.Rand, n, dim, off int) []uint16 {
	buf := make([]uint16, off+n*dim)
	for i := range buf {
		buf[i] = f16.Encode(float32(r.NormFloat64()))
	}
	return buf[off:]
}

func randVec(r *rand.Rand, n, off int) []float32 {
	buf := make([]float32, off+n)
	for i := range buf {
		buf[i] = float32(r.NormFloat64())
	}
	return buf[off:]
}

// guarded returns n zeroed values with guard values either side.
func guarded(n int) (all, inner []float32) {
	all = make([]float32, n+8)
	for i := range all {
		all[i] = guard
	}
	inner = all[4 : 4+n]
	clear(inner)
	return all, inner
}

func checkGuards(t *testing.T, all []float32, n int) {
	t.Helper()
	for i := 0; i < 4; i++ {
		if all[i] != guard || all[4+n+i] != guard {
			t.Fatalf("guard overwritten around %d outputs: %v", n, all)
		}
	}
}

// dotBound is the tolerance between two fp32 dot products of the same terms
// summed in different orders: each is within gamma(dim) * sum|k_i q_i| of the
// exact value (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd
// ed., eq. 3.5; an FMA rounds once, which only tightens it), so they differ by
// at most twice that. The products themselves are exact in both (fp16 x fp32
// fits the float32 FMA's exact product).
func dotBound(k []uint16, q []float32) float64 {
	var abs float64
	for i, v := range k {
		abs += math.Abs(float64(f16.Decode(v)) * float64(q[i]))
	}
	return orderBound(len(q)+2, abs)
}

// orderBound is bound.Order: two float32 sums of the same n terms in
// different orders.
func orderBound(n int, abs float64) float64 { return bound.Order(n, abs) }

var testDims = []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 47, 63, 64, 65, 72, 100, 191, 192, 193, 200, 257}

func TestDotsFastEqualsTwin(t *testing.T) {
	fast := fastKernels()
	if len(fast) == 0 {
		t.Skip("no SIMD kernels on this CPU/build")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, ks := range fast {
		for _, dim := range testDims {
			for _, n := range []int{1, 2, 5, 13} {
				off := (dim + n) % 4
				keys := randKeys(r, n, dim, off)
				q := randVec(r, dim, off^1)
				want := make([]float32, n)
				dotsGeneric(want, keys, q)
				all, got := guarded(n)
				dots(ks, got, keys, q)
				checkGuards(t, all, n)
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > dotBound(keys[i*dim:(i+1)*dim], q) {
						t.Fatalf("%s dim %d n %d key %d: %v, twin %v", ks.name, dim, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestDots4FastEqualsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ks := range append(fastKernels(), generic) {
		for _, dim := range testDims {
			for _, n := range []int{1, 3, 9} {
				keys := randKeys(r, n, dim, dim%3)
				q := randVec(r, 4*dim, 1+dim%2)
				ldd := n + 3
				all, got := guarded(3*ldd + n)
				dots4(ks, got, ldd, keys, q, n, dim)
				checkGuards(t, all, 3*ldd+n)
				for j := 0; j < 4; j++ {
					want := make([]float32, n)
					qj := q[j*dim : (j+1)*dim]
					dotsGeneric(want, keys, qj)
					for i := 0; i < n; i++ {
						if d := math.Abs(float64(got[j*ldd+i] - want[i])); d > dotBound(keys[i*dim:(i+1)*dim], qj) {
							t.Fatalf("%s dim %d n %d query %d key %d: %v, twin %v", ks.name, dim, n, j, i, got[j*ldd+i], want[i])
						}
					}
					if j < 3 {
						for i := n; i < ldd; i++ {
							if got[j*ldd+i] != 0 {
								t.Fatalf("%s wrote between output rows", ks.name)
							}
						}
					}
				}
			}
		}
	}
}

// The conversion must be exact: every one of the 65,536 fp16 patterns gives
// the bits x448/float16 gives, NaNs included (all quiet a signalling NaN and
// keep its payload).
func TestF16to32Exact(t *testing.T) {
	src := make([]uint16, 1<<16+5)
	for i := range src {
		src[i] = uint16(i)
	}
	for _, ks := range append(fastKernels(), generic) {
		for _, off := range []int{0, 1, 3} {
			s := src[off : off+1<<16]
			all, got := guarded(len(s))
			f16to32(ks, got, s)
			checkGuards(t, all, len(s))
			for i, h := range s {
				want := float16.Frombits(h).Float32()
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("%s: %#04x gave %v (%#08x), want %v", ks.name, h, got[i], math.Float32bits(got[i]), want)
				}
			}
		}
	}
}

// The start-up choice is the best set the CPU has.
func TestKernelChoice(t *testing.T) {
	fast := fastKernels()
	want := "generic"
	if len(fast) > 0 {
		want = fast[len(fast)-1].name
	}
	if Kernel() != want {
		t.Fatalf("Kernel() = %q, want %q (have %d fast sets)", Kernel(), want, len(fast))
	}
	t.Logf("lookup kernels: %s", Kernel())
}
