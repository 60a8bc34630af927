package winograd

import "github.com/edgecache/edgecache/model/internal/gemm"

// lanes is the product's unit of tiles (an AVX-512 vector of float32), and
// chunkTiles the most one pass of the kernel covers (three vectors: 8 rows x
// 3 vectors are 24 accumulators of the 32 registers).
const (
	lanes      = 16
	chunkTiles = 3 * lanes
)

// Product runs the 16 products of a block of nt tiles: for each position e,
// M[e] = U[e] x V[e], an (Out x In) by (In x nt) product, with
// M[e][k][t] at m[e*MPos + k*BP + t] (rows up to the last panel's end, so
// MPos covers whole panels). Tiles nt to nt rounded up to lanes are computed
// from whatever V holds there and never read.
func Product(m []float32, f *Filter, v []float32, g *Geometry, nt int) {
	ntp := (nt + lanes - 1) / lanes * lanes
	if nt < 1 || ntp > g.BP || f.In != g.In || f.Out != g.Out || len(m) < g.MLen() || len(v) < g.VLen() {
		panic("winograd: product of a block that does not fit its geometry")
	}
	for q0 := 0; q0 < ntp; q0 += chunkTiles {
		product(m, f, v, g, q0, min(chunkTiles, ntp-q0))
	}
}

// productGeneric is the Go twin of the assembly product for tiles q0 to
// q0+n-1: the same sums, each accumulated over c in order (the assembly
// fuses each multiply-add, so the two agree within rounding, not in bits).
func productGeneric(m []float32, f *Filter, v []float32, g *Geometry, q0, n int) {
	posU := f.posLen()
	for e := range Positions {
		for p := range f.panels() {
			for r := range gemm.MR {
				row := m[e*g.MPos+(p*gemm.MR+r)*g.BP+q0:]
				for q := range n {
					var acc float32
					for c := range f.In {
						acc += f.U[e*posU+(p*f.In+c)*gemm.MR+r] * v[e*g.VPos+c*g.BP+q0+q]
					}
					row[q] = acc
				}
			}
		}
	}
}
