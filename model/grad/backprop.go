package grad

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/model"
)

// Backprop holds one network's forward state for one image and the buffers
// of its backward passes. It is not safe for concurrent use: make one per
// goroutine (they share the read-only Net).
type Backprop struct {
	net    *model.Net
	run    *model.Runner
	scale  []float32 // d(normalised input)/d(pixel): 1/std per input value
	blocks [3][]blockNames
	taps   map[string]bool // taps a backward pass accepts a seed for
	// Backward's buffers, each as large as the largest activation.
	g, gMid, gIn []float32
	logits       []float32
	ready        bool
}

type blockNames struct {
	out, relu string
	in, size  int // the block's input and output size (square)
}

// New prepares the backward pass of net.
func New(net *model.Net) (*Backprop, error) {
	if net == nil {
		return nil, fmt.Errorf("grad: nil network")
	}
	b := &Backprop{net: net, taps: map[string]bool{"conv1": true, "pool": true, "fc": true}}
	names := []string{"conv1"}
	size := model.InputSize
	for s := range net.Stages {
		b.blocks[s] = make([]blockNames, len(net.Stages[s]))
		for k := range net.Stages[s] {
			n := fmt.Sprintf("layer%d.%d", s+1, k)
			out, _ := net.Stages[s][k].Conv1.OutSize(size, size)
			b.blocks[s][k] = blockNames{out: n, relu: n + ".relu", in: size, size: out}
			size = out
			names = append(names, n, n+".relu")
			b.taps[n], b.taps[n+".relu"] = true, true
		}
	}
	var err error
	if b.run, err = net.NewRunner(1, names...); err != nil {
		return nil, err
	}
	norm := net.Spec.Norm
	b.scale = make([]float32, model.InputLen)
	plane := model.InputSize * model.InputSize
	for i := range b.scale {
		j := i
		if len(norm.Std) == model.InputChannels {
			j = i / plane
		}
		if j >= len(norm.Std) || !(norm.Std[j] > 0) {
			return nil, fmt.Errorf("grad: %v has no usable input normalisation (std %d of %d)", net, j, len(norm.Std))
		}
		b.scale[i] = float32(1 / float64(norm.Std[j]))
	}
	largest := model.Widths[0] * model.InputSize * model.InputSize
	b.g = make([]float32, largest)
	b.gMid = make([]float32, largest)
	b.gIn = make([]float32, largest)
	return b, nil
}

// Net is the network the gradients are of.
func (b *Backprop) Net() *model.Net { return b.net }

// Forward runs the network on one image (model.InputLen pixels in [0, 1],
// CHW) and keeps what the backward passes need. It returns the logits, valid
// until the next Forward.
func (b *Backprop) Forward(pixels []float32) ([]float32, error) {
	b.ready = false
	logits, err := b.run.Run(pixels, 1)
	if err != nil {
		return nil, err
	}
	for i, v := range logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("grad: logit %d is %v", i, v)
		}
	}
	b.logits = logits
	b.ready = true
	return logits, nil
}

// Tap returns a tap of the last Forward (any of Net.Taps except "pool" and
// "fc", whose values are the pooled features and the logits), nil for others.
func (b *Backprop) Tap(name string) []float32 { return b.run.Tap(name) }

// Backward writes dL/dpixels into dst (model.InputLen values) for the image of
// the last Forward, given dL/dlogits (Classes values; nil for none) and
// optional seeds dL/dtap for taps named as in Net.Taps (conv1, layerS.B.relu,
// layerS.B, pool, fc), each the tap's full length. Seeds add to what flows
// back from the logits, so one pass gives the gradient of a loss that reads
// both the logits and the taps.
func (b *Backprop) Backward(dst, dLogits []float32, dTaps map[string][]float32) error {
	if !b.ready {
		return fmt.Errorf("grad: Backward before a successful Forward")
	}
	n := b.net
	if len(dst) != model.InputLen {
		return fmt.Errorf("grad: gradient buffer of %d values, want %d", len(dst), model.InputLen)
	}
	if dLogits != nil && len(dLogits) != n.Classes {
		return fmt.Errorf("grad: %d logit gradients for %d classes", len(dLogits), n.Classes)
	}
	for name, g := range dTaps {
		if !b.taps[name] {
			return fmt.Errorf("grad: no backward seed for tap %q (want conv1, layerS.B, layerS.B.relu, pool or fc)", name)
		}
		info, err := n.Tap(name)
		if err != nil {
			return err
		}
		if len(g) != info.Len() {
			return fmt.Errorf("grad: seed for tap %q has %d values, want %d", name, len(g), info.Len())
		}
	}

	// The dense layer and the average pool.
	gLogits := make([]float32, n.Classes)
	if dLogits != nil {
		copy(gLogits, dLogits)
	}
	addSeed(gLogits, dTaps["fc"])
	fc := &n.FC
	gPool := make([]float32, fc.In)
	for o, go_ := range gLogits {
		if go_ == 0 {
			continue
		}
		for i, w := range fc.Weight[o*fc.In : (o+1)*fc.In] {
			gPool[i] += w * go_
		}
	}
	addSeed(gPool, dTaps["pool"])
	last := n.Stages[2][len(n.Stages[2])-1].Conv2.Out
	lastBlk := b.blocks[2][len(b.blocks[2])-1]
	plane := lastBlk.size * lastBlk.size
	g := b.g[:last*plane]
	for c := 0; c < last; c++ {
		v := gPool[c] / float32(plane)
		for j := c * plane; j < (c+1)*plane; j++ {
			g[j] = v
		}
	}

	// The blocks, last to first. g holds dL/d(block output).
	for s := len(n.Stages) - 1; s >= 0; s-- {
		for k := len(n.Stages[s]) - 1; k >= 0; k-- {
			blk, names := &n.Stages[s][k], b.blocks[s][k]
			in, out := blk.Conv1.In, blk.Conv2.Out
			insize, size := names.in, names.size
			plane := size * size
			addSeed(g, dTaps[names.out])
			reluMask(g, b.run.Tap(names.out))
			gMid := b.gMid[:out*plane]
			clear(gMid)
			convT(&blk.Conv2, gMid, g, size, size)
			addSeed(gMid, dTaps[names.relu])
			reluMask(gMid, b.run.Tap(names.relu))
			gIn := b.gIn[:in*insize*insize]
			clear(gIn)
			convT(&blk.Conv1, gIn, gMid, insize, insize)
			switch {
			case blk.Shortcut != nil:
				convT(blk.Shortcut, gIn, g, insize, insize)
			case blk.Conv1.Stride != 1 || in != out:
				shortcutAT(gIn, g, in, insize, out, blk.Conv1.Stride)
			default:
				for j, v := range g {
					gIn[j] += v
				}
			}
			b.g, b.gIn = b.gIn, b.g
			g = b.g[:in*insize*insize]
		}
	}

	// The stem and the input normalisation.
	addSeed(g, dTaps["conv1"])
	reluMask(g, b.run.Tap("conv1"))
	clear(dst)
	convT(&n.Stem, dst, g, model.InputSize, model.InputSize)
	for i := range dst {
		dst[i] *= b.scale[i]
	}
	return nil
}

// addSeed adds a tap's seed gradient (nil: none) into g.
func addSeed(g, seed []float32) {
	for i, v := range seed {
		g[i] += v
	}
}

// reluMask zeroes the gradient where the ReLU's output is 0 (its input was
// not positive).
func reluMask(g, out []float32) {
	for i, v := range out[:len(g)] {
		if !(v > 0) {
			g[i] = 0
		}
	}
}

// shortcutAT is the transpose of option A (model's shortcutA): the
// gradient of output channel c+lo at (y, x) goes to input channel c at
// (stride*y, stride*x); the zero-padded channels take none.
func shortcutAT(gIn, gOut []float32, in, size, out, stride int) {
	os := (size + stride - 1) / stride
	lo := (out - in) / 2
	for c := 0; c < in; c++ {
		src := gOut[(c+lo)*os*os:]
		dst := gIn[c*size*size:]
		for y := 0; y < os; y++ {
			for x := 0; x < os; x++ {
				dst[y*stride*size+x*stride] += src[y*os+x]
			}
		}
	}
}

// convT adds to gIn (c.In x h x w) the gradient of c's input given gOut, the
// gradient of its output (c.Out x oh x ow): the transposed convolution. Bias
// and ReLU are not part of it (the caller masks gOut first).
func convT(c *model.Conv, gIn, gOut []float32, h, w int) {
	top, left, _, _ := c.Pads(h, w)
	oh, ow := c.OutSize(h, w)
	k, s := c.K, c.Stride
	for o := 0; o < c.Out; o++ {
		g := gOut[o*oh*ow : (o+1)*oh*ow]
		if allZero(g) {
			continue
		}
		for i := 0; i < c.In; i++ {
			dst := gIn[i*h*w : (i+1)*h*w]
			wk := c.Weight[(o*c.In+i)*k*k : (o*c.In+i+1)*k*k]
			for ky := 0; ky < k; ky++ {
				// Output rows whose input row oy*s - top + ky lies inside.
				oy0, oy1 := max(0, ceilDiv(top-ky, s)), min(oh-1, floorDiv(h-1+top-ky, s))
				for kx := 0; kx < k; kx++ {
					wv := wk[ky*k+kx]
					if wv == 0 {
						continue
					}
					ox0, ox1 := max(0, ceilDiv(left-kx, s)), min(ow-1, floorDiv(w-1+left-kx, s))
					if ox0 > ox1 {
						continue
					}
					for oy := oy0; oy <= oy1; oy++ {
						row := dst[(oy*s-top+ky)*w : (oy*s-top+ky+1)*w]
						src := g[oy*ow+ox0 : oy*ow+ox1+1]
						if s == 1 {
							d := row[ox0-left+kx : ox1-left+kx+1]
							for j, v := range src {
								d[j] += wv * v
							}
							continue
						}
						x := ox0*s - left + kx
						for _, v := range src {
							row[x] += wv * v
							x += s
						}
					}
				}
			}
		}
	}
}

func allZero(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

// ceilDiv and floorDiv round a/s for any sign of a (s > 0).
func ceilDiv(a, s int) int { return -floorDiv(-a, s) }

func floorDiv(a, s int) int {
	if a >= 0 {
		return a / s
	}
	return -((-a + s - 1) / s)
}
