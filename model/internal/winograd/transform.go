package winograd

import "fmt"

// Input transforms the tiles of tile rows ty0 to ty1-1 of the padded input
// pad into v: V[e][c][t] = (B^T d B)[e] at v[e*VPos + c*BP + t], t counting
// the block's tiles row by row from tile (ty0, 0). It panics, like a slice
// index, when the slices or rows do not fit g: callers are in this module.
func Input(v, pad []float32, g *Geometry, ty0, ty1 int) {
	if ty0 < 0 || ty1 > g.TH || ty1-ty0 > g.BlockRows || ty0 >= ty1 {
		panic(fmt.Sprintf("winograd: tile rows %d to %d of %d, blocks of %d", ty0, ty1, g.TH, g.BlockRows))
	}
	if len(pad) < g.PadLen() || len(v) < g.VLen() {
		panic(fmt.Sprintf("winograd: input of %d values (want %d), V of %d (want %d)", len(pad), g.PadLen(), len(v), g.VLen()))
	}
	input(v, pad, g, ty0, ty1)
}

// Output transforms the products m of tile rows ty0 to ty1-1 (laid out as
// Input's v, with Out channels) into outputs: y = A^T M A + bias[k]
// (+ res), then max(y, 0) when relu (y < 0 becomes 0; NaN and -0 pass, as in
// the direct convolution). dst and res are Out x OH x OW.
func Output(dst, m, bias, res []float32, relu bool, g *Geometry, ty0, ty1 int) {
	if ty0 < 0 || ty1 > g.TH || ty1-ty0 > g.BlockRows || ty0 >= ty1 {
		panic(fmt.Sprintf("winograd: tile rows %d to %d of %d, blocks of %d", ty0, ty1, g.TH, g.BlockRows))
	}
	if len(m) < g.MLen() || len(dst) < g.OutLen() || len(bias) < g.Out || (res != nil && len(res) < g.OutLen()) {
		panic(fmt.Sprintf("winograd: M of %d values (want %d), output %d, residual %d (want %d), bias %d (want %d)",
			len(m), g.MLen(), len(dst), len(res), g.OutLen(), len(bias), g.Out))
	}
	output(dst, m, bias, res, relu, g, ty0, ty1)
}

// inputGeneric is the Go twin of the assembly input transforms. The order
// of operations is part of the contract: rows first (B^T d), then columns.
func inputGeneric(v, pad []float32, g *Geometry, ty0, ty1 int) {
	for c := 0; c < g.In; c++ {
		for ty := ty0; ty < ty1; ty++ {
			for tx := 0; tx < g.TW; tx++ {
				base := c*g.Plane + 2*ty*g.WQ + 2*tx
				d0 := pad[base : base+4]
				d1 := pad[base+g.WQ : base+g.WQ+4]
				d2 := pad[base+2*g.WQ : base+2*g.WQ+4]
				d3 := pad[base+3*g.WQ : base+3*g.WQ+4]
				var r [4][4]float32
				for j := range 4 {
					r[0][j] = d0[j] - d2[j]
					r[1][j] = d1[j] + d2[j]
					r[2][j] = d2[j] - d1[j]
					r[3][j] = d1[j] - d3[j]
				}
				t := (ty-ty0)*g.TW + tx
				for i := range 4 {
					e := 4 * i
					v[(e+0)*g.VPos+c*g.BP+t] = r[i][0] - r[i][2]
					v[(e+1)*g.VPos+c*g.BP+t] = r[i][1] + r[i][2]
					v[(e+2)*g.VPos+c*g.BP+t] = r[i][2] - r[i][1]
					v[(e+3)*g.VPos+c*g.BP+t] = r[i][1] - r[i][3]
				}
			}
		}
	}
}

// outputGeneric is the Go twin of the assembly output transforms: rows
// first (A^T M), each sum left to right, then columns, then bias, residual
// and ReLU.
func outputGeneric(dst, m, bias, res []float32, relu bool, g *Geometry, ty0, ty1 int) {
	plane := g.OH * g.OW
	for k := 0; k < g.Out; k++ {
		b := bias[k]
		for ty := ty0; ty < ty1; ty++ {
			for tx := 0; tx < g.TW; tx++ {
				t := (ty-ty0)*g.TW + tx
				var mm [4][4]float32
				for e := range Positions {
					mm[e/4][e%4] = m[e*g.MPos+k*g.BP+t]
				}
				var s, d [4]float32
				for j := range 4 {
					s[j] = mm[0][j] + mm[1][j] + mm[2][j]
					d[j] = mm[1][j] - mm[2][j] - mm[3][j]
				}
				y := [2][2]float32{
					{s[0] + s[1] + s[2], s[1] - s[2] - s[3]},
					{d[0] + d[1] + d[2], d[1] - d[2] - d[3]},
				}
				for i := range 2 {
					oy := 2*ty + i
					if oy >= g.OH {
						break
					}
					for j := range 2 {
						ox := 2*tx + j
						if ox >= g.OW {
							break
						}
						at := k*plane + oy*g.OW + ox
						v := y[i][j] + b
						if res != nil {
							v += res[at]
						}
						if relu && v < 0 {
							v = 0
						}
						dst[at] = v
					}
				}
			}
		}
	}
}
