package quant

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant/internal/kernel"
)

// Runner runs a Model on batches of up to Batch images, as model.Runner runs a
// Net: it owns every buffer, so Run allocates nothing, and is not safe for
// concurrent use (make one per goroutine; they share the Model).
type Runner struct {
	m     *Model
	batch int
	ref   bool // reference ops instead of the GEMM path (tests)

	x, mid, c2, res, out []uint8    // the reference path's dense images (c2, res also back ac2, ares)
	in                   []uint8    // the reference path's quantized input
	stem                 *stemInput // the fast path's
	plan                 convPlan   // the convolution being run (a field: the team keeps a pointer to it)

	col       []uint8 // im2col patches
	pad, wide []uint8 // padded input and padded-width output of in-place convolutions
	acc       []int32 // GEMM output
	pool      []uint8 // batch x 64
	logits    []float32
	taps      map[string][]float32
	names     [3][][2]string // each block's tap names: its output, its .relu
	last      int
	team      *team // SetThreads > 1: each image's work split across goroutines
	stopTeam  runtime.Cleanup

	// The fast path's images (act.go): block inputs and outputs and the
	// first convolutions' outputs bordered for the convolutions that read
	// them in place, the second convolutions' and shortcuts' outputs dense.
	ax, aout, amid *act
	ac2, ares      act
	border         int
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
	r.stem = newStemInput(m)
	// The border every padding fits in (1 for 3x3 convolutions), and the
	// largest bordered image.
	bordered := 0
	m.eachConv(func(c *Conv, h, w int) {
		top, left, bottom, right := c.geometry().Pads(h, w)
		r.border = max(r.border, top, left, bottom, right)
	})
	m.eachConv(func(c *Conv, h, w int) {
		oh, ow := c.outSize(h, w)
		b := 2 * r.border
		bordered = max(bordered, (h+b)*(w+b)*c.In, (oh+b)*(ow+b)*c.Out)
	})
	r.ax, r.aout, r.amid = &act{buf: make([]uint8, bordered)}, &act{buf: make([]uint8, bordered)}, &act{buf: make([]uint8, bordered)}
	r.ac2.buf, r.ares.buf = r.c2, r.res
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
	if r.ref {
		r.imageRef(i, pixels)
		return
	}
	m := r.m
	size := model.InputSize
	x, mid, out := r.ax, r.amid, r.aout
	x.setLayout(size, size, m.Stem.Out, r.border, m.Stem.Output.Zero)
	if r.stem.pad != nil {
		r.plan = planConvPadded(&m.Stem, x, r.stem.pad, size, size, r.wide)
	} else {
		src := act{buf: r.stem.hwc, h: size, w: size, c: model.InputChannels}
		r.plan = planConvAct(&m.Stem, x, &src, r.pad, r.wide)
	}
	r.stem.load(m, pixels)
	r.runPlan(&r.plan)
	r.keepAct("conv1", i, x, m.Stem.Output)
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := r.names[s][b]
			oh, ow := blk.Conv1.outSize(size, size)
			out.setLayout(oh, ow, blk.Conv1.Out, r.border, blk.Add.Output.Zero)
			mid.setLayout(oh, ow, blk.Conv1.Out, r.border, blk.Conv1.Output.Zero)
			r.plan = planConvAct(&blk.Conv1, mid, x, r.pad, r.wide)
			r.runPlan(&r.plan)
			r.keepAct(p[1], i, mid, blk.Conv1.Output)
			res := x
			switch {
			case blk.Shortcut != nil:
				res = &r.ares
				res.setLayout(oh, ow, blk.Shortcut.Out, 0, 0)
				r.plan = planConvAct(blk.Shortcut, res, x, r.pad, r.wide)
				r.runPlan(&r.plan)
			case blk.Conv1.Stride != 1 || x.c != out.c:
				res = &r.ares
				res.setLayout(oh, ow, out.c, 0, 0)
				shortcutARef(res.buf, x.dense(r.c2), x.c, size, out.c, blk.Conv1.Stride, blk.Add.B.Zero)
			}
			c2 := &r.ac2
			c2.setLayout(oh, ow, out.c, 0, 0)
			r.plan = planConvAct(&blk.Conv2, c2, mid, r.pad, r.wide)
			if r.team != nil {
				// One hand-over for the convolution and the ADD.
				r.team.runConvAdd(&r.plan, blk.Add.fast, out, c2, res)
			} else {
				r.plan.part(0, r.plan.units, r.col)
				r.plan.finish()
				addRows(blk.Add.fast, 0, oh, out, c2, res)
			}
			r.keepAct(p[0], i, out, blk.Add.Output)
			x, out = out, x
			size = oh
		}
	}
	pool := r.pool[i*x.c : (i+1)*x.c]
	avgPoolRef(pool, x.dense(r.c2), size*size, x.c)
	r.keepPool(i, pool)
}

// imageRef is image through the reference ops, on dense images.
func (r *Runner) imageRef(i int, pixels []float32) {
	m := r.m
	m.quantizeInput(r.in, pixels)
	size := model.InputSize
	x := r.x
	convRef(&m.Stem, x, r.in, size, size)
	r.keep("conv1", i, x, m.Stem.Output, m.Stem.Out, size)
	in := m.Stem.Out
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := r.names[s][b]
			oh, ow := blk.Conv1.outSize(size, size)
			out := blk.Conv1.Out
			convRef(&blk.Conv1, r.mid, x, size, size)
			r.keep(p[1], i, r.mid, blk.Conv1.Output, out, oh)
			res := x
			switch {
			case blk.Shortcut != nil:
				res = r.res
				convRef(blk.Shortcut, res, x, size, size)
			case blk.Conv1.Stride != 1 || in != out:
				res = r.res
				shortcutARef(res, x, in, size, out, blk.Conv1.Stride, blk.Add.B.Zero)
			}
			n := out * oh * ow
			convRef(&blk.Conv2, r.c2, r.mid, oh, ow)
			addRef(&blk.Add, r.out[:n], r.c2[:n], res[:n])
			r.keep(p[0], i, r.out, blk.Add.Output, out, oh)
			r.x, r.out = r.out, r.x
			x = r.x
			size, in = oh, out
		}
	}
	pool := r.pool[i*in : (i+1)*in]
	avgPoolRef(pool, x, size*size, in)
	r.keepPool(i, pool)
}

// keepPool dequantizes image i's pooled values into the pool tap, when
// asked.
func (r *Runner) keepPool(i int, pool []uint8) {
	t, ok := r.taps["pool"]
	if !ok {
		return
	}
	p, in := r.m.FC.Input, len(pool)
	for c, q := range pool {
		t[i*in+c] = p.Real(q)
	}
}

// addRows runs the ADD dst = x + y on rows lo..hi-1 of three images of the
// same size, each with its own row pitch.
func addRows(a *kernel.Add, lo, hi int, dst, x, y *act) {
	if dst.b == 0 && x.b == 0 && y.b == 0 {
		n := dst.w * dst.c
		a.Run(dst.buf[lo*n:hi*n], x.buf[lo*n:], y.buf[lo*n:])
		return
	}
	for row := lo; row < hi; row++ {
		a.Run(dst.row(row), x.row(row), y.row(row))
	}
}

// runPlan runs a prepared convolution, on the team when there is one.
func (r *Runner) runPlan(p *convPlan) {
	if r.team != nil {
		r.team.runConv(p)
		return
	}
	p.part(0, p.units, r.col)
	p.finish()
}

// keepAct is keep for an image in the fast path's buffers.
func (r *Runner) keepAct(name string, i int, a *act, p Params) {
	t, ok := r.taps[name]
	if !ok {
		return
	}
	plane := a.h * a.w
	dst := t[i*a.c*plane : (i+1)*a.c*plane]
	for y := range a.h {
		row := a.row(y)
		for x := range a.w {
			for ch, q := range row[x*a.c : (x+1)*a.c] {
				dst[ch*plane+y*a.w+x] = p.Real(q)
			}
		}
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
