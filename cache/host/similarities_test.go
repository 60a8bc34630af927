package host

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/bound"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
	"github.com/edgecache/edgecache/cache/internal/f16"
)

// The micro-kernels against the twin on odd depths, with C rows wider than
// the tile and guard values around the tile that must survive. Both sum each
// output over k in the same order; the SIMD kernels fuse multiply and add, so
// the tolerance is dotBound's (different rounding of the same terms).
func TestGemmKernelsEqualTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, g := range fastGemms() {
		for _, kc := range []int{1, 2, 3, 7, 64, 255, 256} {
			a := randVec(r, kc*g.mr)
			b := randKeys(r, kc, g.nr)
			ldc := g.nr + 5
			c := make([]float32, g.mr*ldc)
			for i := range c {
				c[i] = guard
			}
			want := append([]float32(nil), c...)
			for i := 0; i < g.mr; i++ {
				for j := 0; j < g.nr; j++ {
					c[i*ldc+j] = float32(i - j)
					want[i*ldc+j] = float32(i - j)
				}
			}
			g.run(kc, a, b, c, ldc)
			gemmGeneric(g.mr, g.nr, kc, a, b, want, ldc)
			for i := 0; i < g.mr; i++ {
				for j := 0; j < ldc; j++ {
					got, w := c[i*ldc+j], want[i*ldc+j]
					if j >= g.nr {
						if got != guard {
							t.Fatalf("%s kc %d: guard at row %d col %d overwritten", g.name, kc, i, j)
						}
						continue
					}
					var abs float64
					for k := 0; k < kc; k++ {
						abs += math.Abs(float64(a[k*g.mr+i]) * float64(f16.Decode(b[k*g.nr+j])))
					}
					if d := math.Abs(float64(got - w)); d > bound.Order(kc+2, abs+math.Abs(float64(i-j))) {
						t.Fatalf("%s kc %d out[%d][%d] = %v, twin %v", g.name, kc, i, j, got, w)
					}
				}
			}
		}
	}
}

// Similarities against the exact products for every micro-kernel, odd
// key counts and dims (edges of every block), several workers: every
// (query, key) must be delivered once, in key order per query chunk.
func TestSimilarities(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, g := range append(fastGemms(), genericGemm) {
		for _, tc := range []struct{ dim, nk, nq, chunk int }{
			{1, 1, 1, 0},
			{7, 33, 5, 0},
			{300, 1030, 29, 7},
			{257, 513, 40, 0},
		} {
			spec := cache.Spec{Taps: []cache.TapSpec{{Name: "t", C: tc.dim, H: 1, W: 1}}}
			c, _ := cachetest.RandCache(t, r, spec, 3, tc.nk)
			queries := randVec(r, tc.nq*tc.dim)
			seen := make([]int, tc.nq*tc.nk)
			next := make(map[int]int) // chunk start -> next expected K0
			var mu sync.Mutex
			err := similarities(g, queries, cacheRows(c), SimOptions{Workers: 3, QueryChunk: tc.chunk}, func(w int, b SimBlock) {
				mu.Lock()
				defer mu.Unlock()
				if next[b.Q0] != b.K0 {
					t.Errorf("chunk %d: block K0 %d, want %d", b.Q0, b.K0, next[b.Q0])
				}
				next[b.Q0] = b.K0 + b.NK
				for i := 0; i < b.NQ; i++ {
					q := queries[(b.Q0+i)*tc.dim : (b.Q0+i+1)*tc.dim]
					for j := 0; j < b.NK; j++ {
						seen[(b.Q0+i)*tc.nk+b.K0+j]++
						k := c.KeyBits(b.K0 + j)
						var want float64 // exact: fp16 x fp32 products summed in float64
						for d, h := range k {
							want += float64(f16.Decode(h)) * float64(q[d])
						}
						if got := b.Sims[i*b.Stride+j]; math.Abs(float64(got)-want) > cachetest.DotBound(k, q) {
							t.Errorf("%s dim %d: query %d key %d = %v, exact %v", g.name, tc.dim, b.Q0+i, b.K0+j, got, want)
						}
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("%s: query %d key %d delivered %d times", g.name, i/tc.nk, i%tc.nk, n)
				}
			}
			for q0, k := range next {
				if k != tc.nk {
					t.Fatalf("chunk %d ended at key %d of %d", q0, k, tc.nk)
				}
			}
		}
	}
}

// A scan after Add sees the new key (each scan lays the keys out afresh).
func TestSimilaritiesAfterAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	c, _ := cachetest.RandCache(t, r, cachetest.FlatSpec(9), 3, 40)
	q := cachetest.UnitVec(r, 9)
	last := func() float32 {
		var got float32
		if err := Similarities(q, c, SimOptions{}, func(_ int, b SimBlock) {
			if b.K0+b.NK == c.Len() {
				got = b.Sims[b.NK-1]
			}
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	last()
	if err := c.Add(q, 1); err != nil {
		t.Fatal(err)
	}
	if got := last(); math.Abs(float64(got)-1) > 1e-3 {
		t.Fatalf("query . itself = %v after Add, want about 1", got)
	}
}

// Bad queries get errors naming the problem.
func TestSimilaritiesErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	c, _ := cachetest.RandCache(t, r, cachetest.FlatSpec(4), 2, 5)
	nop := func(int, SimBlock) {}
	if err := Similarities(make([]float32, 5), c, SimOptions{}, nop); err == nil || !strings.Contains(err.Error(), "whole number") {
		t.Fatalf("5 values for 4-value keys: %v", err)
	}
	q := []float32{0, float32(math.NaN()), 0, 0}
	if err := Similarities(q, c, SimOptions{}, nop); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN query: %v", err)
	}
}

// The start-up choice is the best micro-kernel the CPU has.
func TestGemmChoice(t *testing.T) {
	fast := fastGemms()
	want := genericGemm
	if len(fast) > 0 {
		want = fast[len(fast)-1]
	}
	if pickGemm() != want {
		t.Fatalf("pickGemm() = %s, want %s", pickGemm().name, want.name)
	}
	t.Logf("scan micro-kernel: %s", pickGemm().name)
}

const guard = float32(-12345.678) // written around outputs; must survive

// randKeys returns n keys of dim fp16 values (random normal values).
func randKeys(r *rand.Rand, n, dim int) []uint16 {
	k := make([]uint16, n*dim)
	for i := range k {
		k[i] = f16.Encode(float32(r.NormFloat64()))
	}
	return k
}

// randVec returns n random normal values.
func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
