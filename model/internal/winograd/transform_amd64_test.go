//go:build !noasm

package winograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The assembly transforms must give the Go twins' bits, write only what the
// twins write (guard values elsewhere and past the slices' ends), and pass
// NaN and -0 as they do.
func TestTransformsMatchGeneric(t *testing.T) {
	if !Accelerated() {
		t.Skip("no assembly transforms on this machine: the Go twins run everywhere")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		g, err := NewGeometry(s.in, s.out, s.h, s.w, s.top, s.left, s.bottom, s.right)
		if err != nil {
			t.Fatal(err)
		}
		pad := make([]float32, g.PadLen())
		randFill(rng, pad) // padding too: the transforms must not care
		m := make([]float32, g.MLen())
		randFill(rng, m)
		m[0], m[1], m[g.BP+2] = float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(1))
		bias := make([]float32, g.Out)
		randFill(rng, bias)
		res := make([]float32, g.OutLen())
		randFill(rng, res)
		for ty0 := 0; ty0 < g.TH; ty0 += g.BlockRows {
			ty1 := min(g.TH, ty0+g.BlockRows)
			what := fmt.Sprintf("%+v rows %d-%d", s, ty0, ty1)
			vg, va := filled(g.VLen()+40, guard), filled(g.VLen()+40, guard)
			inputGeneric(vg, pad, g, ty0, ty1)
			inputAVX512Go(va[:g.VLen()], pad, g, ty0, ty1)
			sameBits(t, what+" input", va, vg)
			for _, withRes := range []bool{false, true} {
				for _, relu := range []bool{false, true} {
					var r []float32
					if withRes {
						r = res
					}
					dg, da := filled(g.OutLen()+40, guard), filled(g.OutLen()+40, guard)
					outputGeneric(dg, m, bias, r, relu, g, ty0, ty1)
					outputAVX512Go(da[:g.OutLen()], m, bias, r, relu, g, ty0, ty1)
					sameBits(t, fmt.Sprintf("%s output res %v relu %v", what, withRes, relu), da, dg)
				}
			}
		}
	}
}

// productTolerance bounds |assembly - twin| for one value of M: both are
// within gamma(n)*absSum of the exact sum, n = In products (Higham, Accuracy
// and Stability of Numerical Algorithms, 2nd ed., section 3.1, any order,
// with or without FMA), so they are within twice that of each other.
func productTolerance(n int, absSum float64) float64 {
	const u = 1.0 / (1 << 24)
	return 2*float64(n)*u/(1-float64(n)*u)*absSum + 1e-30
}

// The assembly product must match the Go twin on every stored value and
// leave the rest of M alone.
func TestProductMatchesGeneric(t *testing.T) {
	if !Accelerated() {
		t.Skip("no assembly product on this machine: the Go twin runs everywhere")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range shapes {
		g, err := NewGeometry(s.in, s.out, s.h, s.w, s.top, s.left, s.bottom, s.right)
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float32, s.out*s.in*9)
		randFill(rng, w)
		f, err := NewFilter(w, make([]float32, s.out), s.out, s.in)
		if err != nil {
			t.Fatal(err)
		}
		v := make([]float32, g.VLen())
		randFill(rng, v)
		nt := min(g.TH, g.BlockRows) * g.TW
		mg, ma := filled(g.MLen()+40, guard), filled(g.MLen()+40, guard)
		ntp := (nt + lanes - 1) / lanes * lanes
		for q0 := 0; q0 < ntp; q0 += chunkTiles {
			productGeneric(mg, f, v, g, q0, min(chunkTiles, ntp-q0))
		}
		Product(ma[:g.MLen()], f, v, g, nt)
		for i := range mg {
			if (mg[i] == guard) != (ma[i] == guard) {
				t.Fatalf("%+v: M[%d] is %v, Go twin %v: one of them wrote where the other did not", s, i, ma[i], mg[i])
			}
		}
		for e := range Positions {
			for k := range s.out {
				for q := range nt {
					at := e*g.MPos + k*g.BP + q
					abs := 0.0
					for c := range s.in {
						abs += math.Abs(float64(f.U[e*f.posLen()+(k/8*s.in+c)*8+k%8]) * float64(v[e*g.VPos+c*g.BP+q]))
					}
					if d := math.Abs(float64(ma[at] - mg[at])); !(d <= productTolerance(s.in, abs)) {
						t.Fatalf("%+v: M[%d][%d][%d] is %v, Go twin %v", s, e, k, q, ma[at], mg[at])
					}
				}
			}
		}
	}
}
