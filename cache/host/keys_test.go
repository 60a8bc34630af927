package host

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/cachetest"
)

// simMatrix collects a scan's blocks into one query x key matrix, checking
// that every entry comes once.
func simMatrix(t *testing.T, nq, nk int, scan func(fn func(int, SimBlock)) error) []float32 {
	t.Helper()
	out := make([]float32, nq*nk)
	seen := make([]int, nq*nk)
	var mu sync.Mutex
	if err := scan(func(_ int, b SimBlock) {
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i < b.NQ; i++ {
			for j := 0; j < b.NK; j++ {
				out[(b.Q0+i)*nk+b.K0+j] = b.Sims[i*b.Stride+j]
				seen[(b.Q0+i)*nk+b.K0+j]++
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("query %d key %d delivered %d times", i/nk, i%nk, n)
		}
	}
	return out
}

// Packed keys give Similarities' and Probs' results bit for bit, for every
// micro-kernel, over several calls with different query counts (the layout
// is reused, not consumed), and refuse a cache that grew after packing.
func TestKeysEqualSimilarities(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, g := range append(fastGemms(), genericGemm) {
		for _, tc := range []struct{ dim, nk int }{{7, 33}, {300, 1030}, {257, 513}} {
			spec := cache.Spec{Taps: []cache.TapSpec{{Name: "t", C: tc.dim, H: 1, W: 1}}}
			c, _ := cachetest.RandCache(t, r, spec, 3, tc.nk)
			k := packKeys(g, c)
			if k.Len() != tc.nk || k.Cache() != c {
				t.Fatalf("packed %d keys of %p, want %d of %p", k.Len(), k.Cache(), tc.nk, c)
			}
			for _, nq := range []int{1, 29, 5} {
				queries := randVec(r, nq*tc.dim)
				opt := SimOptions{Workers: 3, QueryChunk: 4}
				want := simMatrix(t, nq, tc.nk, func(fn func(int, SimBlock)) error {
					return similarities(g, queries, cacheRows(c), opt, fn)
				})
				got := simMatrix(t, nq, tc.nk, func(fn func(int, SimBlock)) error {
					return k.Similarities(queries, opt, fn)
				})
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s dim %d, %d queries: packed sim[%d] = %v, Similarities %v", g.name, tc.dim, nq, i, got[i], want[i])
					}
				}
			}
			if g != pickGemm() {
				continue // Probs scans with the picked kernel
			}
			queries := randVec(r, 6*tc.dim)
			thetas := []float64{3, 40}
			want, err := Probs(c, queries, thetas, SimOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Probs(queries, thetas, SimOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for th := range want {
				for i := range want[th] {
					if got[th][i] != want[th][i] {
						t.Fatalf("dim %d theta %v: packed Probs[%d] = %v, Probs %v", tc.dim, thetas[th], i, got[th][i], want[th][i])
					}
				}
			}
			if err := c.Add(cachetest.UnitVec(r, tc.dim), 1); err != nil {
				t.Fatal(err)
			}
			if err := k.Similarities(queries, SimOptions{}, func(int, SimBlock) {}); err == nil || !strings.Contains(err.Error(), "changed") {
				t.Fatalf("scan of packed keys after Add: %v", err)
			}
			if _, err := k.Probs(queries, thetas, SimOptions{}); err == nil {
				t.Fatal("Probs of packed keys after Add accepted")
			}
		}
	}
}

// Bad queries get the same errors through packed keys.
func TestKeysErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	c, _ := cachetest.RandCache(t, r, cachetest.FlatSpec(4), 2, 5)
	k := PackKeys(c)
	nop := func(int, SimBlock) {}
	if err := k.Similarities(make([]float32, 5), SimOptions{}, nop); err == nil || !strings.Contains(err.Error(), "whole number") {
		t.Fatalf("5 values for 4-value keys: %v", err)
	}
	if err := k.Similarities(nil, SimOptions{}, nop); err != nil {
		t.Fatalf("no queries: %v", err)
	}
	if _, err := k.Probs(make([]float32, 4), nil, SimOptions{}); err == nil || !strings.Contains(err.Error(), "thetas") {
		t.Fatalf("no thetas: %v", err)
	}
}
