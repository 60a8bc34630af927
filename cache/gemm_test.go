package cache

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// The micro-kernels against the twin on odd depths, with C rows wider than
// the tile and guard values around the tile that must survive. Both sum each
// output over k in the same order; the SIMD kernels fuse multiply and add, so
// the tolerance is dotBound's (different rounding of the same terms).
func TestGemmKernelsEqualTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, g := range fastGemms() {
		for _, kc := range []int{1, 2, 3, 7, 64, 255, 256} {
			a := randVec(r, kc*g.mr, 0)
			b := randKeys(r, kc, g.nr, 0)
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
						abs += math.Abs(float64(a[k*g.mr+i]) * float64(h2f(b[k*g.nr+j])))
					}
					if d := math.Abs(float64(got - w)); d > orderBound(kc+2, abs+math.Abs(float64(i-j))) {
						t.Fatalf("%s kc %d out[%d][%d] = %v, twin %v", g.name, kc, i, j, got, w)
					}
				}
			}
		}
	}
}

// Similarities against the lookup kernels' twin for every micro-kernel, odd
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
			spec := Spec{Taps: []TapSpec{{Name: "t", C: tc.dim, H: 1, W: 1}}}
			c, _ := randCache(t, r, spec, 3, tc.nk)
			queries := randVec(r, tc.nq*tc.dim, 0)
			seen := make([]int, tc.nq*tc.nk)
			next := make(map[int]int) // chunk start -> next expected K0
			var mu sync.Mutex
			err := similarities(g, queries, c, SimOptions{Workers: 3, QueryChunk: tc.chunk}, func(w int, b SimBlock) {
				mu.Lock()
				defer mu.Unlock()
				if next[b.Q0] != b.K0 {
					t.Errorf("chunk %d: block K0 %d, want %d", b.Q0, b.K0, next[b.Q0])
				}
				next[b.Q0] = b.K0 + b.NK
				for i := 0; i < b.NQ; i++ {
					q := queries[(b.Q0+i)*tc.dim : (b.Q0+i+1)*tc.dim]
					want := make([]float32, b.NK)
					dotsGeneric(want, c.keys[b.K0*tc.dim:(b.K0+b.NK)*tc.dim], q)
					for j := 0; j < b.NK; j++ {
						seen[(b.Q0+i)*tc.nk+b.K0+j]++
						k := c.keys[(b.K0+j)*tc.dim : (b.K0+j+1)*tc.dim]
						if got := b.Sims[i*b.Stride+j]; math.Abs(float64(got-want[j])) > dotBound(k, q) {
							t.Errorf("%s dim %d: query %d key %d = %v, twin %v", g.name, tc.dim, b.Q0+i, b.K0+j, got, want[j])
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

// Add after a scan must drop the scan's copy of the keys.
func TestSimilaritiesAfterAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	spec := Spec{Taps: []TapSpec{{Name: "t", C: 9, H: 1, W: 1}}}
	c, _ := randCache(t, r, spec, 3, 40)
	q := unitVec(r, 9)
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
