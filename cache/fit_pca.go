package cache

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// maxPCADim bounds the keys PCA takes: it forms the dim x dim second-moment
// matrix and its eigendecomposition (O(dim^3)), meant for pooled keys of a
// few hundred values, not 12,288-value whole-tap keys.
const maxPCADim = 4096

// PCA returns the d leading principal directions of n vectors of dim values
// (x, row-major) as a Projection (W is d x dim, Mean nil). The directions are
// eigenvectors of the uncentred second moment sum x x^T / n: without
// centring, W x is linear in x, so projecting a key and scaling it commute
// and Spec.Key's final normalisation makes the projection of an unnormalised
// raw key equal to that of its normalised version.
func PCA(x []float32, dim, d int) (*Projection, error) {
	if dim < 1 || dim > maxPCADim {
		return nil, fmt.Errorf("cache: PCA of %d-value vectors (1 to %d)", dim, maxPCADim)
	}
	if len(x)%dim != 0 || len(x) == 0 {
		return nil, fmt.Errorf("cache: PCA of %d values, not a whole number of %d-value vectors", len(x), dim)
	}
	if d < 1 || d > dim {
		return nil, fmt.Errorf("cache: PCA to %d of %d dimensions", d, dim)
	}
	n := len(x) / dim
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
		return nil, fmt.Errorf("cache: PCA eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, dim)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	p := &Projection{Rows: d, Cols: dim, W: make([]float32, d*dim)}
	for r := 0; r < d; r++ {
		for c := 0; c < dim; c++ {
			p.W[r*dim+c] = float32(vecs.At(c, order[r]))
		}
	}
	return p, nil
}
