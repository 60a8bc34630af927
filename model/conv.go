package model

import (
	"math"

	"github.com/edgecache/edgecache/model/internal/gemm"
	"github.com/edgecache/edgecache/model/internal/winograd"
)

// convolver runs one convolution of a network; prepared once per Conv so that
// fast paths can pack weights ahead of time.
type convolver interface {
	// apply computes dst = [relu](conv(src) + residual), as convRef.
	apply(dst, src []float32, batch, h, w int, residual []float32, relu bool)
}

// newConvolver picks the implementation for c: the packed indirect GEMM of
// package gemm, or the reference for a convolution without taps or outputs.
func newConvolver(c *Conv) convolver { return newConvolverShared(c, nil) }

// newConvolverShared is newConvolver with the padded input planes taken from
// scratch, which the convolvers of one Runner may share (nil: their own).
func newConvolverShared(c *Conv, scratch *convScratch) convolver {
	if c.Out < 1 || c.K < 1 || c.Stride < 1 || c.In < 1 {
		return refConv{c}
	}
	if winogradWanted(c) {
		return newWinoConv(c, scratch)
	}
	f := newFastConv(c)
	f.scratch = scratch
	return f
}

// convScratch holds padded input planes shared by the convolvers of one
// Runner: convolutions that lay out their input alike (as all those within a
// ResNet stage do) use one buffer, which then stays in cache instead of each
// having its own. Sharing is safe because a Runner runs one convolution at a
// time, a layout fixes which positions are padding (never written, so zero)
// and each convolution writes every data position it reads before reading.
type convScratch struct {
	pads map[padLayout][]float32
}

type padLayout struct {
	in, s, h, w, top, left, wq, plane, n int
	wino                                 bool // winograd.Geometry's layout
}

func (s *convScratch) get(l padLayout) []float32 {
	if s.pads == nil {
		s.pads = map[padLayout][]float32{}
	}
	p, ok := s.pads[l]
	if !ok {
		p = make([]float32, l.n)
		s.pads[l] = p
	}
	return p
}

type refConv struct{ c *Conv }

func (r refConv) apply(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	convRef(r.c, dst, src, batch, h, w, residual, relu)
}

// fastConv is a convolution as an implicit GEMM: out[o][q] = sum over
// k = (i, ky, kx) of W[o][k] * pad[offs[k] + q], where pad is a zero-padded
// copy of one image and q a position on a padded output grid (see
// convGeometry). Weights are packed once, in panels of gemm.MR output
// channels; bias, residual and ReLU happen in the kernel's epilogue. It keeps
// scratch for one image, so a fastConv belongs to one Runner, like the rest
// of a Runner's state.
type fastConv struct {
	c      *Conv
	steps  int       // In*K*K, the reduction length
	panels []float32 // ceil(Out/MR) panels, each steps x MR, row r of step k at k*MR+r
	bias   []float32 // Bias, zero-padded to whole panels
	geo    convGeometry
	tile   gemm.Tile // reused: Compute takes a pointer
	// scratch, when set, provides geo.pad (see convScratch).
	scratch *convScratch
}

func newFastConv(c *Conv) *fastConv {
	f := &fastConv{c: c, steps: c.In * c.K * c.K}
	pk := c.packed
	if pk == nil {
		pk = packConv(c)
	}
	f.panels, f.bias = pk.panels, pk.bias
	return f
}

// convPacked is a convolution's weights in the kernels' layout. Build packs
// every convolution of a Net once, so that the Runners of one Net (one per
// core) share the panels instead of each holding a copy.
type convPacked struct {
	panels, bias []float32
	wino         *winograd.Filter // 3x3 stride 1 where winogradWanted, else nil
}

func packConv(c *Conv) *convPacked {
	steps := c.In * c.K * c.K
	n := (c.Out + gemm.MR - 1) / gemm.MR
	pk := &convPacked{
		panels: make([]float32, n*gemm.MR*steps), // the last panel's missing rows stay zero
		bias:   make([]float32, n*gemm.MR),
	}
	copy(pk.bias, c.Bias)
	if winogradWanted(c) {
		pk.wino, _ = winograd.NewFilter(c.Weight, c.Bias, c.Out, c.In) // nil on bad shapes: the direct path runs
	}
	for o := 0; o < c.Out; o++ {
		p, r := o/gemm.MR, o%gemm.MR
		panel := pk.panels[p*steps*gemm.MR:]
		for k, v := range c.Weight[o*steps : (o+1)*steps] {
			panel[k*gemm.MR+r] = v
		}
	}
	return pk
}

// convGeometry is the layout of one input size. The input is copied into pad
// as s*s phase planes per channel (s the stride): phase (a, b) of channel i
// holds padded pixel (s*y+a, s*x+b) at y*wq+x, so tap (ky, kx) of output
// pixel (y, x) sits at plane (i, ky%s, kx%s), position (y+ky/s)*wq + x+kx/s,
// and every tap of a row of outputs is a contiguous run: offs[k] + q with
// q = y*wq + x. Columns x >= ow of that grid are garbage the kernel computes
// and drops. For stride 1 the grid is only max(left, right) wider than the
// image: the right padding of one row is the left padding of the next.
type convGeometry struct {
	h, w, oh, ow int
	wq, plane    int // grid width, phase plane size
	top, left    int
	offs         gemm.Offsets
	pad          []float32 // pads are never written, so they stay zero
	tiles        []convTile
	// reference is set for inputs this layout cannot take (no output, or
	// offsets past int32): apply then runs convRef.
	reference bool
}

// convTile is a run of positions of the grid that one kernel call covers.
type convTile struct {
	q0, nr int
	mask   uint64 // real positions
	off    int    // compact index (y*ow+x) of the first real one
}

func (f *fastConv) plan(h, w int) {
	c := f.c
	s := c.Stride
	t, l, b, r := c.Pads(h, w)
	g := convGeometry{h: h, w: w, top: t, left: l}
	g.oh, g.ow = c.OutSize(h, w)
	hq := (h + t + b + s - 1) / s
	g.wq = (w + l + r + s - 1) / s
	if s == 1 {
		g.wq = w + max(l, r)
	}
	g.plane = hq * g.wq
	if g.oh < 1 || g.ow < 1 || int64(c.In)*int64(s*s)*int64(g.plane)+int64(gemm.MaxNR) > math.MaxInt32 {
		g.reference = true
		f.geo = g
		return
	}

	offs := make([]int32, f.steps)
	k := 0
	for i := 0; i < c.In; i++ {
		for ky := 0; ky < c.K; ky++ {
			for kx := 0; kx < c.K; kx++ {
				plane := (i*s+ky%s)*s + kx%s
				offs[k] = int32(plane*g.plane + (ky/s)*g.wq + kx/s)
				k++
			}
		}
	}
	g.offs, _ = gemm.NewOffsets(offs) // never negative: every term is >= 0

	// Tiles of up to gemm.MaxNR positions up to the last real one.
	end := (g.oh-1)*g.wq + g.ow
	for q0 := 0; q0 < end; q0 += gemm.MaxNR {
		nr := min(gemm.MaxNR, (end-q0+gemm.Step-1)/gemm.Step*gemm.Step)
		ct := convTile{q0: q0, nr: nr, off: -1}
		for p := 0; p < nr; p++ {
			q := q0 + p
			if y, x := q/g.wq, q%g.wq; q < end && x < g.ow {
				ct.mask |= 1 << uint(p)
				if ct.off < 0 {
					ct.off = y*g.ow + x
				}
			}
		}
		if ct.mask != 0 {
			g.tiles = append(g.tiles, ct)
		}
	}
	last := g.tiles[len(g.tiles)-1]
	n := max(c.In*s*s*g.plane, last.q0+last.nr+g.offs.Max())
	if f.scratch != nil {
		g.pad = f.scratch.get(padLayout{in: c.In, s: s, h: h, w: w, top: t, left: l, wq: g.wq, plane: g.plane, n: n})
	} else {
		g.pad = make([]float32, n)
	}
	f.geo = g
}

// load copies one image (In x h x w) into the phase planes of pad. Phases
// that no tap reads (a or b >= K, as for a strided 1x1) are skipped.
func (g *convGeometry) load(src []float32, in, s, k int) {
	h, w := g.h, g.w
	if s == 1 {
		gemm.Spread(g.pad[g.top*g.wq+g.left:], src, in, h, w, g.wq, g.plane)
		return
	}
	for i := 0; i < in; i++ {
		for y := 0; y < h; y++ {
			py := y + g.top
			if py%s >= k {
				continue
			}
			row := src[(i*h+y)*w : (i*h+y+1)*w]
			for b := 0; b < min(s, k); b++ {
				// Padded columns px = x+left with px%s == b, from x0 on.
				x0 := ((b-g.left)%s + s) % s
				if x0 >= w {
					continue
				}
				base := ((i*s+py%s)*s+b)*g.plane + (py/s)*g.wq
				n := (w - x0 + s - 1) / s
				dst := g.pad[base+(x0+g.left)/s : base+(x0+g.left)/s+n]
				for j := range dst {
					dst[j] = row[x0+j*s]
				}
			}
		}
	}
}

func (f *fastConv) apply(dst, src []float32, batch, h, w int, residual []float32, relu bool) {
	c := f.c
	if f.geo.h != h || f.geo.w != w || (f.geo.pad == nil && !f.geo.reference) {
		f.plan(h, w)
	}
	g := &f.geo
	if g.reference {
		convRef(c, dst, src, batch, h, w, residual, relu)
		return
	}
	inLen, outPlane := c.In*h*w, g.oh*g.ow
	outLen := c.Out * outPlane
	t := &f.tile
	*t = gemm.Tile{Offs: g.offs, LDC: outPlane, ReLU: relu}
	panel := f.steps * gemm.MR
	for n := 0; n < batch; n++ {
		g.load(src[n*inLen:(n+1)*inLen], c.In, c.Stride, c.K)
		out := dst[n*outLen : (n+1)*outLen]
		var res []float32
		if residual != nil {
			res = residual[n*outLen : (n+1)*outLen]
		}
		for _, ct := range g.tiles {
			t.B, t.NR, t.Mask, t.Off = g.pad[ct.q0:], ct.nr, ct.mask, ct.off
			for p := 0; p*gemm.MR < c.Out; p++ {
				t.A = f.panels[p*panel : (p+1)*panel]
				t.Rows = min(gemm.MR, c.Out-p*gemm.MR)
				t.C = out[p*gemm.MR*outPlane:]
				t.Bias = f.bias[p*gemm.MR:]
				if res != nil {
					t.Res = res[p*gemm.MR*outPlane:]
				}
				gemm.Compute(t)
			}
		}
	}
}
