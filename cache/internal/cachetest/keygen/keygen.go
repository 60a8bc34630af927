// Package keygen draws the random keys of the cache's tests: unit vectors
// like normalised ReLU activations, and keys clustered around class
// centres. It imports none of our packages, so that package cache's own
// tests can use it as well as cachetest (which imports cache).
package keygen

import (
	"math"
	"math/rand/v2"
)

// Normalize scales v to unit length in float64 (v must not be all zero).
func Normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	inv := 1 / math.Sqrt(ss)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}

// Unit is a random unit vector of dim non-negative values, |N(0,1)| + floor
// each before normalising, like a normalised ReLU activation; floor > 0
// keeps every value off zero.
func Unit(r *rand.Rand, dim int, floor float32) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(math.Abs(r.NormFloat64())) + floor
	}
	Normalize(v)
	return v
}

// Centres is one Unit vector per class.
func Centres(r *rand.Rand, classes, dim int, floor float32) [][]float32 {
	c := make([][]float32, classes)
	for y := range c {
		c[y] = Unit(r, dim, floor)
	}
	return c
}

// Clustered draws n keys of random classes, each near its class's centre
// (every value off by 0.3 |N(0,1)| / sqrt(dim), then normalised), so that a
// key's similarity to its class is high (0.9 or so), where a cache's theta
// matters most; it hands each to add with its class and stops at add's
// first error.
func Clustered(r *rand.Rand, centres [][]float32, n int, add func(key []float32, label int) error) error {
	for i := 0; i < n; i++ {
		y := r.IntN(len(centres))
		dim := len(centres[y])
		k := make([]float32, dim)
		for j := range k {
			k[j] = centres[y][j] + 0.3*float32(math.Abs(r.NormFloat64()))/float32(math.Sqrt(float64(dim)))
		}
		Normalize(k)
		if err := add(k, y); err != nil {
			return err
		}
	}
	return nil
}
