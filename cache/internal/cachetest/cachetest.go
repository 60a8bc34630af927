// Package cachetest holds the fixtures and float64 references of the host
// package's tests (cache/host and its users): random clustered caches, unit
// vectors, and p_cache computed exactly from the stored fp16 keys. The board
// package's own tests cannot import this package, which imports cache: the
// random keys both draw live in keygen.
package cachetest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/internal/bound"
	"github.com/edgecache/edgecache/cache/internal/cachetest/keygen"
	"github.com/edgecache/edgecache/cache/internal/f16"
)

// Normalize scales v to unit length (v must not be all zero).
func Normalize(v []float32) { keygen.Normalize(v) }

// UnitVec is a random unit vector with positive entries, like a normalised
// ReLU activation.
func UnitVec(r *rand.Rand, dim int) []float32 { return keygen.Unit(r, dim, 1e-6) }

// FlatSpec is a spec of one whole tap of dim values.
func FlatSpec(dim int) cache.Spec {
	return cache.Spec{Taps: []cache.TapSpec{{Name: "t", C: dim, H: 1, W: 1}}}
}

// RandCache fills a cache with n clustered items (keygen.Clustered around
// UnitVec centres). It returns the cache and the centres.
func RandCache(t testing.TB, r *rand.Rand, spec cache.Spec, classes, n int) (*cache.Cache, [][]float32) {
	t.Helper()
	c, err := cache.New(spec, classes)
	if err != nil {
		t.Fatal(err)
	}
	centres := keygen.Centres(r, classes, spec.Dim(), 1e-6)
	c.Grow(n)
	if err := keygen.Clustered(r, centres, n, c.Add); err != nil {
		t.Fatal(err)
	}
	return c, centres
}

// Weighted remakes c with item i counting as weight(i) items.
func Weighted(t testing.TB, c *cache.Cache, weight func(i int) int) *cache.Cache {
	t.Helper()
	w, err := cache.New(c.Spec(), c.Classes())
	if err != nil {
		t.Fatal(err)
	}
	w.Theta, w.Lambda, w.CacheOnlyTheta = c.Theta, c.Lambda, c.CacheOnlyTheta
	var key []float32
	for i := 0; i < c.Len(); i++ {
		key = c.Key(key, i)
		if err := w.AddWeighted(key, c.Label(i), weight(i)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// RefProbs is the specification of p_cache in float64: exact products of
// the stored fp16 keys with the query, the maximum subtracted, each term
// times its item's weight, no cutoff.
func RefProbs(c *cache.Cache, q []float32, theta float64) []float64 {
	n := c.Len()
	sims := make([]float64, n)
	smax := math.Inf(-1)
	for i := 0; i < n; i++ {
		var s float64
		for j, h := range c.KeyBits(i) {
			s += float64(f16.Decode(h)) * float64(q[j])
		}
		sims[i] = s
		smax = math.Max(smax, s)
	}
	p := make([]float64, c.Classes())
	var z float64
	for i, s := range sims {
		e := float64(c.Weight(i)) * math.Exp(theta*(s-smax))
		p[c.Label(i)] += e
		z += e
	}
	for y := range p {
		p[y] /= z
	}
	return p
}

// DotBound is the tolerance between two fp32 dot products of an fp16 key
// with a query, summed in different orders (bound.Order over the terms'
// magnitudes; the products themselves are exact in fp32).
func DotBound(k []uint16, q []float32) float64 {
	var abs float64
	for i, v := range k {
		abs += math.Abs(float64(f16.Decode(v)) * float64(q[i]))
	}
	return bound.Order(len(q)+2, abs)
}

// ProbTol bounds |p - ref| for a p_cache computed in fp32 similarities: each
// similarity is within delta of the exact one (DotBound), so each term
// exp(theta*(s_i - s_max)) is off by a factor within exp(+-2 theta delta) and
// a ratio of sums of such terms by exp(+-4 theta delta); add dropped terms
// (below floor of the largest, at most total weight of them) and the
// float32 rounding of the output.
func ProbTol(c *cache.Cache, q []float32, theta, floor float64) func(ref float64) float64 {
	delta, weight := 0.0, 0.0
	for i := 0; i < c.Len(); i++ {
		delta = math.Max(delta, DotBound(c.KeyBits(i), q))
		weight += float64(c.Weight(i))
	}
	return func(ref float64) float64 {
		return math.Expm1(4*theta*delta)*ref + weight*floor + 1e-7
	}
}
