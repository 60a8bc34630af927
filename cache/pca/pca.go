// Package pca fits principal-component projections for cache keys
// (cache.Projection) on the host. It is apart from package cache so that the
// board program, which only applies projections, does not link gonum's
// linear algebra.
package pca

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/edgecache/edgecache/cache"
)

// maxPCADim bounds the matrices PCA decomposes (O(size^3)): the dim x dim
// second moment for short keys, else the n x n Gram matrix of the sample,
// so long keys (12,288-value whole taps) need a sample of at most this many.
const maxPCADim = 4096

// Fit returns the d leading principal directions of n vectors of dim values
// (x, row-major) as a cache.Projection (W is d x dim rounded to fp16, Mean
// nil). The directions are eigenvectors of the uncentred second moment
// sum x x^T / n: without centring, W x is linear in x, so projecting a key
// and scaling it commute, and cache.Spec.Key's final normalisation makes the
// projection of an unnormalised raw key equal to that of its normalised
// version.
func Fit(x []float32, dim, d int) (*cache.Projection, error) {
	if dim < 1 || len(x)%dim != 0 || len(x) == 0 {
		return nil, fmt.Errorf("pca: %d values are not a whole number of %d-value vectors", len(x), dim)
	}
	n := len(x) / dim
	if d < 1 || d > dim {
		return nil, fmt.Errorf("pca: projection to %d of %d dimensions", d, dim)
	}
	// The Gram matrix is the smaller problem whenever the sample is smaller
	// than the key.
	if dim > maxPCADim || n < dim {
		if n > maxPCADim || d > n {
			return nil, fmt.Errorf("pca: %d-value vectors need a sample of %d to %d, got %d", dim, d, maxPCADim, n)
		}
		return gram(x, dim, n, d)
	}
	m := make([]float64, dim*dim)
	row := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, v := range x[i*dim : (i+1)*dim] {
			row[j] = float64(v)
		}
		for a := 0; a < dim; a++ {
			ra := row[a]
			if ra == 0 {
				continue
			}
			mr := m[a*dim : a*dim+a+1]
			for b := range mr {
				mr[b] += ra * row[b]
			}
		}
	}
	for a := 0; a < dim; a++ {
		for b := 0; b <= a; b++ {
			m[a*dim+b] /= float64(n)
			m[b*dim+a] = m[a*dim+b]
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(dim, m), true) {
		return nil, fmt.Errorf("pca: eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, dim)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	w := make([]float32, d*dim)
	for r := 0; r < d; r++ {
		for c := 0; c < dim; c++ {
			w[r*dim+c] = float32(vecs.At(c, order[r]))
		}
	}
	return cache.NewProjection(d, dim, w, nil)
}

// gram finds the leading directions of n long vectors from their n x n
// Gram matrix G = X X^T: if G u = s u, then X^T u / sqrt(s) is a unit
// eigenvector of X^T X with the same eigenvalue.
func gram(x []float32, dim, n, d int) (*cache.Projection, error) {
	g := make([]float64, n*n)
	for a := 0; a < n; a++ {
		xa := x[a*dim : (a+1)*dim]
		for b := 0; b <= a; b++ {
			xb := x[b*dim : (b+1)*dim]
			var s float64
			for j, v := range xa {
				s += float64(v) * float64(xb[j])
			}
			g[a*n+b], g[b*n+a] = s, s
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(n, g), true) {
		return nil, fmt.Errorf("pca: eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	w := make([]float32, d*dim)
	row := make([]float64, dim)
	for r := 0; r < d; r++ {
		k := order[r]
		if !(vals[k] > 0) {
			return nil, fmt.Errorf("pca: sample spans only %d dimensions, %d asked", r, d)
		}
		clear(row)
		for i := 0; i < n; i++ {
			u := vecs.At(i, k)
			for j, v := range x[i*dim : (i+1)*dim] {
				row[j] += u * float64(v)
			}
		}
		var ss float64
		for _, v := range row {
			ss += v * v
		}
		inv := 1 / math.Sqrt(ss)
		for j, v := range row {
			w[r*dim+j] = float32(v * inv)
		}
	}
	return cache.NewProjection(d, dim, w, nil)
}
