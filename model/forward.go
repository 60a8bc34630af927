package model

import (
	"fmt"
	"slices"
)

// Runner runs a Net on batches of up to Batch images. It owns every buffer the
// pass needs, so Run allocates nothing; a Runner is not safe for concurrent
// use (make one per goroutine: they share the Net, which is read-only).
type Runner struct {
	net   *Net
	batch int

	stem   convolver
	blocks [3][]blockRun
	norm   []float32 // normalised input
	bufs   [3][]float32
	proj   []float32 // shortcut projection or option-A residual
	pool   []float32
	logits []float32
	taps   map[string][]float32
	last   int // images in the last Run
}

type blockRun struct {
	conv1, conv2, short convolver
	name, relu          string // tap names, formatted once
	conv2Tap, shortTap  string
	unfused             bool // the conv2 tap is kept: add the residual separately
}

// NewRunner prepares a runner for batches of up to batch images that keeps the
// named taps (see Net.Taps) after each Run.
func (n *Net) NewRunner(batch int, taps ...string) (*Runner, error) {
	if batch < 1 {
		return nil, fmt.Errorf("model: batch size %d, must be at least 1", batch)
	}
	r := &Runner{net: n, batch: batch, taps: map[string][]float32{}}
	for _, name := range taps {
		t, err := n.Tap(name)
		if err != nil {
			return nil, err
		}
		r.taps[name] = make([]float32, batch*t.Len())
	}
	// One padded-input scratch for all the runner's convolutions: those
	// with the same input layout share a buffer that then stays in cache.
	scratch := &convScratch{}
	r.stem = newConvolverShared(&n.Stem, scratch)
	for s := range n.Stages {
		r.blocks[s] = make([]blockRun, len(n.Stages[s]))
		for b := range n.Stages[s] {
			blk := &n.Stages[s][b]
			name := fmt.Sprintf("layer%d.%d", s+1, b)
			br := blockRun{conv1: newConvolverShared(&blk.Conv1, scratch), conv2: newConvolverShared(&blk.Conv2, scratch),
				name: name, relu: name + ".relu", conv2Tap: name + ".conv2", shortTap: name + ".shortcut"}
			_, br.unfused = r.taps[br.conv2Tap]
			if blk.Shortcut != nil {
				br.short = newConvolverShared(blk.Shortcut, scratch)
			}
			r.blocks[s][b] = br
		}
	}
	largest := Widths[0] * InputSize * InputSize * batch
	for i := range r.bufs {
		r.bufs[i] = make([]float32, largest)
	}
	r.norm = make([]float32, batch*InputLen)
	r.proj = make([]float32, largest)
	r.pool = make([]float32, batch*Widths[2])
	r.logits = make([]float32, batch*n.Classes)
	return r, nil
}

// Batch is the largest batch Run accepts.
func (r *Runner) Batch() int { return r.batch }

// Net is the network the runner runs.
func (r *Runner) Net() *Net { return r.net }

// Run classifies count images given as pixels scaled to [0, 1], each
// 3 x 32 x 32 in CHW order (RGB). It returns count x Classes logits; the slice
// and the taps stay valid until the next Run.
func (r *Runner) Run(pixels []float32, count int) ([]float32, error) {
	if count < 1 || count > r.batch {
		return nil, fmt.Errorf("model: batch of %d images, runner takes 1 to %d", count, r.batch)
	}
	if len(pixels) != count*InputLen {
		return nil, fmt.Errorf("model: %d input values for %d images, want %d (3x32x32 each)", len(pixels), count, count*InputLen)
	}
	n := r.net
	r.last = count
	norm := r.norm[:count*InputLen]
	for i := 0; i < count; i++ {
		src, dst := pixels[i*InputLen:(i+1)*InputLen], norm[i*InputLen:(i+1)*InputLen]
		for j, v := range src {
			dst[j] = v*n.scale[j] + n.offset[j]
		}
	}

	size := InputSize
	x, mid, out := r.bufs[0], r.bufs[1], r.bufs[2]
	r.stem.apply(x, norm, count, size, size, nil, true)
	r.keep("conv1", x, Widths[0]*size*size)
	in := Widths[0]
	for s := range n.Stages {
		for b := range n.Stages[s] {
			blk, br := &n.Stages[s][b], &r.blocks[s][b]
			oh, ow := blk.Conv1.OutSize(size, size)
			br.conv1.apply(mid, x, count, size, size, nil, true)
			r.keep(br.relu, mid, blk.Conv1.Out*oh*ow)
			residual := x
			switch {
			case br.short != nil:
				br.short.apply(r.proj, x, count, size, size, nil, false)
				r.keep(br.shortTap, r.proj, blk.Conv1.Out*oh*ow)
				residual = r.proj
			case blk.Conv1.Stride != 1 || in != blk.Conv1.Out:
				shortcutA(r.proj, x, count, in, size, blk.Conv1.Out, blk.Conv1.Stride)
				residual = r.proj
			}
			if br.unfused {
				br.conv2.apply(out, mid, count, oh, ow, nil, false)
				r.keep(br.conv2Tap, out, blk.Conv2.Out*oh*ow)
				addReLU(out[:count*blk.Conv2.Out*oh*ow], residual)
			} else {
				br.conv2.apply(out, mid, count, oh, ow, residual, true)
			}
			r.keep(br.name, out, blk.Conv2.Out*oh*ow)
			x, out = out, x
			size, in = oh, blk.Conv2.Out
		}
	}
	pool := r.pool[:count*in]
	avgPool(pool, x, count*in, size*size)
	r.keep("pool", pool, in)
	logits := r.logits[:count*n.Classes]
	dense(&n.FC, logits, pool, count)
	r.keep("fc", logits, n.Classes)
	return logits, nil
}

// keep copies a layer's output into its tap buffer when that tap was asked for.
func (r *Runner) keep(name string, src []float32, per int) {
	if dst, ok := r.taps[name]; ok {
		copy(dst, src[:r.last*per])
	}
}

// Tap returns the named tap's activations from the last Run: count x C x H x W.
// It is nil for a tap the runner was not asked to keep.
func (r *Runner) Tap(name string) []float32 {
	t, ok := r.taps[name]
	if !ok {
		return nil
	}
	info, _ := r.net.Tap(name)
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

// shortcutA is option A: take every stride-th pixel and place the in channels
// in the middle of out, zeros either side (akamaster: F.pad(x[:, :, ::2, ::2],
// (0, 0, 0, 0, planes//4, planes//4))).
func shortcutA(dst, src []float32, batch, in, size, out, stride int) {
	os := (size + stride - 1) / stride
	lo := (out - in) / 2
	clear(dst[:batch*out*os*os])
	for n := 0; n < batch; n++ {
		for c := 0; c < in; c++ {
			s := src[(n*in+c)*size*size:]
			d := dst[(n*out+c+lo)*os*os:]
			for y := 0; y < os; y++ {
				for x := 0; x < os; x++ {
					d[y*os+x] = s[y*stride*size+x*stride]
				}
			}
		}
	}
}

// addReLU is dst = max(dst + residual, 0), the residual add done apart
// from the convolution (float32 adds: the same result as the fused epilogue).
func addReLU(dst, residual []float32) {
	for i, v := range dst {
		dst[i] = max(v+residual[i], 0)
	}
}

// avgPool averages each of planes runs of size values.
func avgPool(dst, src []float32, planes, size int) {
	inv := 1 / float32(size)
	for p := 0; p < planes; p++ {
		var sum float32
		for _, v := range src[p*size : (p+1)*size] {
			sum += v
		}
		dst[p] = sum * inv
	}
}

// dense is the fully connected layer on batch rows of d.In values.
func dense(d *Dense, dst, src []float32, batch int) {
	for n := 0; n < batch; n++ {
		x := src[n*d.In : (n+1)*d.In]
		for o := 0; o < d.Out; o++ {
			sum := d.Bias[o]
			for i, w := range d.Weight[o*d.In : (o+1)*d.In] {
				sum += w * x[i]
			}
			dst[n*d.Out+o] = sum
		}
	}
}
