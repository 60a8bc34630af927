package grad

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// convRef64 is a direct convolution in float64 (no bias): the reference the
// adjoint test holds convT to.
func convRef64(c *model.Conv, x []float64, h, w int) []float64 {
	top, left, _, _ := c.Pads(h, w)
	oh, ow := c.OutSize(h, w)
	out := make([]float64, c.Out*oh*ow)
	for o := 0; o < c.Out; o++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				var s float64
				for i := 0; i < c.In; i++ {
					for ky := 0; ky < c.K; ky++ {
						for kx := 0; kx < c.K; kx++ {
							y, xx := oy*c.Stride-top+ky, ox*c.Stride-left+kx
							if y < 0 || y >= h || xx < 0 || xx >= w {
								continue
							}
							s += float64(c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]) * x[(i*h+y)*w+xx]
						}
					}
				}
				out[(o*oh+oy)*ow+ox] = s
			}
		}
	}
	return out
}

// TestConvTAdjoint checks <conv(x), g> = <x, convT(g)> for every geometry
// the networks use, odd sizes included.
func TestConvTAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, pad := range []model.Padding{model.PadSymmetric, model.PadKerasSame} {
		for _, geo := range []struct{ k, s, h int }{{3, 1, 8}, {3, 2, 8}, {1, 2, 8}, {3, 2, 7}, {3, 1, 5}, {1, 1, 4}} {
			c := &model.Conv{Out: 3, In: 2, K: geo.k, Stride: geo.s, Padding: pad}
			c.Weight = make([]float32, c.Out*c.In*c.K*c.K)
			for i := range c.Weight {
				c.Weight[i] = float32(rng.NormFloat64())
			}
			x := make([]float64, c.In*geo.h*geo.h)
			for i := range x {
				x[i] = float64(float32(rng.NormFloat64()))
			}
			y := convRef64(c, x, geo.h, geo.h)
			g := make([]float32, len(y))
			var lhs float64
			for i := range g {
				g[i] = float32(rng.NormFloat64())
				lhs += y[i] * float64(g[i])
			}
			gin := make([]float32, len(x))
			convT(c, gin, g, geo.h, geo.h)
			var rhs float64
			for i := range x {
				rhs += x[i] * float64(gin[i])
			}
			if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Errorf("%v k%d s%d h%d: <conv x, g> = %v, <x, convT g> = %v", pad, geo.k, geo.s, geo.h, lhs, rhs)
			}
		}
	}
}
