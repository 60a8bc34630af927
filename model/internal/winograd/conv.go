package winograd

import (
	"fmt"

	"github.com/edgecache/edgecache/model/internal/gemm"
)

// Conv runs one filter on one input size. It owns the transformed blocks
// (V and M) and, unless given one, the padded input, so a Conv belongs to
// one goroutine; Apply allocates nothing.
type Conv struct {
	f    *Filter
	g    *Geometry
	pad  []float32
	v, m []float32
}

// NewConv prepares f for inputs laid out by g. pad, when not nil, is the
// padded input buffer (g.PadLen() values, zero wherever g puts padding),
// which convolutions of the same layout may share; nil allocates one.
func NewConv(f *Filter, g *Geometry, pad []float32) (*Conv, error) {
	if f.In != g.In || f.Out != g.Out {
		return nil, fmt.Errorf("winograd: filter %d -> %d channels on a layout for %d -> %d", f.In, f.Out, g.In, g.Out)
	}
	if pad == nil {
		pad = make([]float32, g.PadLen())
	}
	if len(pad) < g.PadLen() {
		return nil, fmt.Errorf("winograd: padded input of %d values, layout needs %d", len(pad), g.PadLen())
	}
	return &Conv{f: f, g: g, pad: pad, v: make([]float32, g.VLen()), m: make([]float32, g.MLen())}, nil
}

// Geometry is the layout c runs on.
func (c *Conv) Geometry() *Geometry { return c.g }

// Apply computes dst = [relu](conv(src) + bias + res) for one image: src is
// In x H x W, dst and res (nil for none) Out x OH x OW.
func (c *Conv) Apply(dst, src, res []float32, relu bool) {
	g := c.g
	if len(src) < g.InLen() {
		panic(fmt.Sprintf("winograd: input of %d values, want %d", len(src), g.InLen()))
	}
	gemm.Spread(c.pad[g.Top*g.WQ+g.Left:], src, g.In, g.H, g.W, g.WQ, g.Plane)
	for ty0 := 0; ty0 < g.TH; ty0 += g.BlockRows {
		ty1 := min(g.TH, ty0+g.BlockRows)
		Input(c.v, c.pad, g, ty0, ty1)
		Product(c.m, c.f, c.v, g, (ty1-ty0)*g.TW)
		Output(dst, c.m, c.f.Bias, res, relu, g, ty0, ty1)
	}
}
