package winograd

import (
	"fmt"

	"github.com/edgecache/edgecache/model/internal/gemm"
)

// Filter is a layer's weights transformed and packed for the products: for
// each position e, ceil(Out/gemm.MR) panels of In steps of gemm.MR values,
// the layout gemm.Tile.A takes. A Filter is read-only, so the runners of one
// network share it.
type Filter struct {
	Out, In int
	U       []float32 // Positions x panels x In x gemm.MR; missing rows of a last panel are zero
	Bias    []float32 // Out
}

// panels is the number of gemm.MR-row panels per position.
func (f *Filter) panels() int { return (f.Out + gemm.MR - 1) / gemm.MR }

// posLen is the length of one position's panels in U.
func (f *Filter) posLen() int { return f.panels() * f.In * gemm.MR }

// g is Lavin and Gray's G for F(2x2, 3x3): rows 1 and 2 average the taps.
var g = [4][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}

// NewFilter transforms weights (out x in x 3 x 3, as model.Conv holds them)
// and copies bias (out values). U = G w G^T is computed in float64 and
// rounded once, so the filter adds a single rounding per value.
func NewFilter(weight, bias []float32, out, in int) (*Filter, error) {
	if out < 1 || in < 1 {
		return nil, fmt.Errorf("winograd: filter of %d x %d channels", out, in)
	}
	if len(weight) != out*in*9 || len(bias) != out {
		return nil, fmt.Errorf("winograd: %d weights and %d biases for a 3x3 filter of %d x %d channels, want %d and %d",
			len(weight), len(bias), out, in, out*in*9, out)
	}
	f := &Filter{Out: out, In: in, Bias: append([]float32(nil), bias...)}
	f.U = make([]float32, Positions*f.posLen())
	for o := 0; o < out; o++ {
		p, r := o/gemm.MR, o%gemm.MR
		for c := 0; c < in; c++ {
			w := weight[(o*in+c)*9 : (o*in+c+1)*9]
			// gw = G w (4x3), then u = gw G^T (4x4).
			var gw [4][3]float64
			for i := range 4 {
				for j := range 3 {
					for k := range 3 {
						gw[i][j] += g[i][k] * float64(w[k*3+j])
					}
				}
			}
			for i := range 4 {
				for j := range 4 {
					var u float64
					for k := range 3 {
						u += gw[i][k] * g[j][k]
					}
					e := 4*i + j
					f.U[e*f.posLen()+(p*in+c)*gemm.MR+r] = float32(u)
				}
			}
		}
	}
	return f, nil
}
