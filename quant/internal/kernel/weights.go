package kernel

import "fmt"

// Weights is an M x Depth int8 matrix, kept in the layout the fast kernels of
// this CPU want.
type Weights struct {
	M, Depth int
	rows     []int8 // M x Depth, row-major: what the reference reads
}

// PackWeights copies a (M rows of depth values, row-major) into the kernels'
// layout. Values must be in -127..127 (symmetric int8, as TFLite).
func PackWeights(m, depth int, a []int8) (*Weights, error) {
	if m < 1 || depth < 1 || len(a) < m*depth {
		return nil, fmt.Errorf("kernel: %d weights for a %dx%d matrix", len(a), m, depth)
	}
	for i, v := range a[:m*depth] {
		if v == -128 {
			return nil, fmt.Errorf("kernel: weight %d is -128; symmetric int8 weights are -127..127", i)
		}
	}
	return &Weights{M: m, Depth: depth, rows: append([]int8(nil), a[:m*depth]...)}, nil
}

// Gemm computes c[i*ldc+j] = sum_k W[i][k] * b[j*ldb+k] for i < M, j < n.
// b holds n rows of at least Depth bytes, ldb apart; c M rows of at least n
// values, ldc apart. Nothing else in b or c is read or written.
func (w *Weights) Gemm(n int, b []uint8, ldb int, c []int32, ldc int) {
	gemmRef(w.M, w.Depth, w.rows, n, b, ldb, c, ldc)
}
