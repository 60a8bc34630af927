package quant

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/edgecache/edgecache/model"
)

// Runner runs a Model on batches of up to Batch images, as model.Runner runs a
// Net: it owns every buffer, so Run allocates nothing, and is not safe for
// concurrent use (make one per goroutine; they share the Model).
type Runner struct {
	m     *Model
	batch int
	ref   bool // reference ops instead of the GEMM path (tests)

	x, mid, c2, res, out []uint8 // one image's activations, HWC
	in                   []uint8
	col                  []uint8 // im2col patches
	pad, wide            []uint8 // padded input and padded-width output of in-place convolutions
	acc                  []int32 // GEMM output
	pool                 []uint8 // batch x 64
	logits               []float32
	taps                 map[string][]float32
	names                [3][][2]string // each block's tap names: its output, its .relu
	last                 int
	team                 *team // SetThreads > 1: each image's work split across goroutines
	stopTeam             runtime.Cleanup
}

// NewRunner prepares a runner for batches of up to batch images that keeps
// the named taps (see Model.Taps), dequantized, after each Run.
func (m *Model) NewRunner(batch int, taps ...string) (*Runner, error) {
	return m.newRunner(batch, false, taps...)
}

func (m *Model) newRunner(batch int, ref bool, taps ...string) (*Runner, error) {
	if batch < 1 {
		return nil, fmt.Errorf("quant: batch size %d, must be at least 1", batch)
	}
	r := &Runner{m: m, batch: batch, ref: ref, taps: map[string][]float32{}}
	for _, name := range taps {
		t, err := m.Tap(name)
		if err != nil {
			return nil, err
		}
		r.taps[name] = make([]float32, batch*t.Len())
	}
	largest := model.Widths[0] * model.InputSize * model.InputSize
	for _, p := range []*[]uint8{&r.x, &r.mid, &r.c2, &r.res, &r.out} {
		*p = make([]uint8, largest)
	}
	r.in = make([]uint8, model.InputLen)
	// Tap names built once: Run allocates nothing.
	for s := range m.Stages {
		for b := range m.Stages[s] {
			p := blockName(s, b)
			r.names[s] = append(r.names[s], [2]string{p, p + ".relu"})
		}
	}
	cols, accs, pads, wides := 0, batch*m.Classes, 0, 0
	m.eachConv(func(c *Conv, h, w int) {
		oh, ow := c.outSize(h, w)
		cols = max(cols, oh*ow*c.In*c.K*c.K)
		accs = max(accs, oh*ow*c.Out)
		top, left, bottom, right := c.geometry().Pads(h, w)
		pads = max(pads, (h+top+bottom)*(w+left+right)*max(c.In, c.inPad))
		wides = max(wides, oh*(w+left+right)*c.Out)
	})
	r.col = make([]uint8, cols)
	r.pad = make([]uint8, pads)
	r.wide = make([]uint8, wides)
	r.acc = make([]int32, accs)
	r.pool = make([]uint8, batch*model.Widths[2])
	r.logits = make([]float32, batch*m.Classes)
	return r, nil
}

// eachConv calls f with every convolution and its input size.
func (m *Model) eachConv(f func(c *Conv, h, w int)) {
	size := model.InputSize
	f(&m.Stem, size, size)
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			oh, _ := blk.Conv1.outSize(size, size)
			f(&blk.Conv1, size, size)
			f(&blk.Conv2, oh, oh)
			if blk.Shortcut != nil {
				f(blk.Shortcut, size, size)
			}
			size = oh
		}
	}
}

// Batch is the largest batch Run accepts.
func (r *Runner) Batch() int { return r.batch }

// Model is the model the runner runs.
func (r *Runner) Model() *Model { return r.m }

// Run classifies count images given as pixels scaled to [0, 1], each
// 3 x 32 x 32 in CHW order (RGB), exactly as model.Runner.Run. It returns
// count x Classes float32 logits; the slice and the taps stay valid until the
// next Run.
func (r *Runner) Run(pixels []float32, count int) ([]float32, error) {
	if count < 1 || count > r.batch {
		return nil, fmt.Errorf("quant: batch of %d images, runner takes 1 to %d", count, r.batch)
	}
	if len(pixels) != count*model.InputLen {
		return nil, fmt.Errorf("quant: %d input values for %d images, want %d (3x32x32 each)", len(pixels), count, count*model.InputLen)
	}
	r.last = count
	for i := range count {
		r.image(i, pixels[i*model.InputLen:(i+1)*model.InputLen])
	}
	logits := r.logits[:count*r.m.Classes]
	if r.ref {
		denseRef(&r.m.FC, logits, r.pool, count)
	} else {
		denseFast(&r.m.FC, logits, r.pool, count, r.acc)
	}
	if t, ok := r.taps["fc"]; ok {
		copy(t, logits)
	}
	return logits, nil
}

// image runs image i up to the pool.
func (r *Runner) image(i int, pixels []float32) {
	m := r.m
	m.quantizeInput(r.in, pixels)
	size := model.InputSize
	x := r.x
	r.conv(&m.Stem, x, r.in, size, size)
	r.keep("conv1", i, x, m.Stem.Output, m.Stem.Out, size)
	in := m.Stem.Out
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := r.names[s][b]
			oh, ow := blk.Conv1.outSize(size, size)
			out := blk.Conv1.Out
			r.conv(&blk.Conv1, r.mid, x, size, size)
			r.keep(p[1], i, r.mid, blk.Conv1.Output, out, oh)
			res := x
			switch {
			case blk.Shortcut != nil:
				res = r.res
				r.conv(blk.Shortcut, res, x, size, size)
			case blk.Conv1.Stride != 1 || in != out:
				res = r.res
				shortcutARef(res, x, in, size, out, blk.Conv1.Stride, blk.Add.B.Zero)
			}
			n := out * oh * ow
			switch {
			case r.ref:
				r.conv(&blk.Conv2, r.c2, r.mid, oh, ow)
				addRef(&blk.Add, r.out[:n], r.c2[:n], res[:n])
			case r.team != nil:
				// One hand-over for the convolution and the ADD.
				p := planConv(&blk.Conv2, r.c2, r.mid, oh, ow, r.pad, r.wide)
				r.team.runConvAdd(&p, blk.Add.fast, r.out[:n], res[:n])
			default:
				r.conv(&blk.Conv2, r.c2, r.mid, oh, ow)
				blk.Add.fast.Run(r.out[:n], r.c2[:n], res[:n])
			}
			r.keep(p[0], i, r.out, blk.Add.Output, out, oh)
			r.x, r.out = r.out, r.x
			x = r.x
			size, in = oh, out
		}
	}
	pool := r.pool[i*in : (i+1)*in]
	avgPoolRef(pool, x, size*size, in)
	if t, ok := r.taps["pool"]; ok {
		p := m.FC.Input
		for c, q := range pool {
			t[i*in+c] = p.Real(q)
		}
	}
}

func (r *Runner) conv(c *Conv, dst, src []uint8, h, w int) {
	switch {
	case r.ref:
		convRef(c, dst, src, h, w)
	case r.team != nil:
		p := planConv(c, dst, src, h, w, r.pad, r.wide)
		r.team.runConv(&p)
	default:
		convFast(c, dst, src, h, w, r.col, r.pad, r.wide)
	}
}

// keep dequantizes image i's HWC activations into its tap, CHW, when asked.
func (r *Runner) keep(name string, i int, src []uint8, p Params, c, size int) {
	t, ok := r.taps[name]
	if !ok {
		return
	}
	plane := size * size
	dst := t[i*c*plane : (i+1)*c*plane]
	for px := range plane {
		for ch, q := range src[px*c : (px+1)*c] {
			dst[ch*plane+px] = p.Real(q)
		}
	}
}

// Tap returns the named tap from the last Run, dequantized to float32:
// count x C x H x W, as model.Runner.Tap. It is nil for a tap the runner was
// not asked to keep.
func (r *Runner) Tap(name string) []float32 {
	t, ok := r.taps[name]
	if !ok {
		return nil
	}
	info, _ := r.m.Tap(name)
	return t[:r.last*info.Len()]
}

// KeptTaps lists the taps this runner keeps, sorted.
func (r *Runner) KeptTaps() []string {
	names := make([]string, 0, len(r.taps))
	for k := range r.taps {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
