//go:build !noasm

package winograd

// productArgs is what productAVX512 reads; product_amd64.s names the offsets.
type productArgs struct {
	u, v, m *float32 // position 0: panel 0, the chunk's first tile
	in      int      // steps
	panels  int
	nv      int // vectors of 16 tiles: 1 to 3
	upos4   int // bytes between positions in U, V and M
	vpos4   int
	mpos4   int
	bp4     int // bytes between rows of V and M
}

// productAVX512 computes, for all 16 positions and every panel, 8 rows x nv
// vectors of M: the panel's In steps of 8 broadcast weights times the
// step's row of V.
//
//go:noescape
func productAVX512(a *productArgs)

func product(m []float32, f *Filter, v []float32, g *Geometry, q0, n int) {
	if !avx512 {
		productGeneric(m, f, v, g, q0, n)
		return
	}
	productAVX512(&productArgs{u: &f.U[0], v: &v[q0], m: &m[q0], in: f.In, panels: f.panels(), nv: n / lanes,
		upos4: 4 * f.posLen(), vpos4: 4 * g.VPos, mpos4: 4 * g.MPos, bp4: 4 * g.BP})
}
