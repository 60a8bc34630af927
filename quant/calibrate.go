package quant

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/edgecache/edgecache/model"
)

// Calibration is what the float network's activations looked like on the
// calibration images: a range observer per tensor the int8 model quantizes.
// Make one with Calibrate, then Quantize with any Observer.
type Calibration struct {
	net    *model.Net
	images int
	obs    map[string]*observer
}

// Observer chooses each tensor's range from its calibration statistics.
type Observer struct {
	// Percentile clips each tensor's range to this percentile of its values
	// at the top and the complementary one at the bottom (99.99 keeps all
	// but the 0.01 % largest and smallest); 0 or 100 keeps the exact min and
	// max.
	Percentile float64
}

// MinMax is the observer that keeps every calibration value in range.
var MinMax = Observer{}

func (o Observer) String() string {
	if o.Percentile == 0 || o.Percentile == 100 {
		return "minmax"
	}
	return fmt.Sprintf("p%g", o.Percentile)
}

func (o Observer) valid() error {
	if !(o.Percentile >= 0 && o.Percentile <= 100) || (o.Percentile > 0 && o.Percentile < 50) {
		return fmt.Errorf("quant: percentile %v, want 0 (min/max) or 50 to 100", o.Percentile)
	}
	return nil
}

// Images is the number of images the calibration saw.
func (c *Calibration) Images() int { return c.images }

// Calibrate runs net in float32 on count images (pixels in [0, 1], 3 x 32 x
// 32 CHW each, as model.Runner takes them) and records the range of every
// tensor that the int8 model quantizes: each tap, and the two a float
// network never shows, a block's second convolution before the residual add
// ("layerS.B.conv2") and its projection shortcut ("layerS.B.shortcut").
// The image range is not observed: it follows from Norm (see Quantize).
func Calibrate(net *model.Net, pixels []float32, count int) (*Calibration, error) {
	if count < 1 {
		return nil, fmt.Errorf("quant: calibration needs at least one image, got %d", count)
	}
	if len(pixels) != count*model.InputLen {
		return nil, fmt.Errorf("quant: %d calibration values for %d images, want %d", len(pixels), count, count*model.InputLen)
	}
	// Images split over the CPUs, each worker with its own float pass and
	// observers, merged at the end: histograms add, so the result does not
	// depend on the split.
	workers := min(runtime.GOMAXPROCS(0), count)
	parts := make([]map[string]*observer, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := newFloatNet(net)
			obs := map[string]*observer{}
			for i := w; i < count; i += workers {
				f.run(pixels[i*model.InputLen:(i+1)*model.InputLen], func(name string, v []float32) {
					o := obs[name]
					if o == nil {
						o = newObserver()
						obs[name] = o
					}
					o.add(v)
				})
			}
			parts[w] = obs
		}()
	}
	wg.Wait()
	c := &Calibration{net: net, images: count, obs: parts[0]}
	for _, p := range parts[1:] {
		for name, o := range p {
			c.obs[name].merge(o)
		}
	}
	return c, nil
}

// Range returns the range the observer picks for the named tensor.
func (c *Calibration) Range(name string, o Observer) (lo, hi float64, err error) {
	if err := o.valid(); err != nil {
		return 0, 0, err
	}
	ob := c.obs[name]
	if ob == nil {
		return 0, 0, fmt.Errorf("quant: calibration has no tensor %q", name)
	}
	lo, hi, err = ob.rangeAt(o.Percentile)
	if err != nil {
		return 0, 0, fmt.Errorf("%w (tensor %s)", err, name)
	}
	return lo, hi, nil
}

// floatNet is the float forward pass calibration observes, in the int8
// model's HWC layout and with its tensor boundaries (model.Runner fuses the
// residual add into the second convolution, hiding its input). Tests check it
// against model.Runner's taps.
type floatNet struct {
	net          *model.Net
	stem         floatConv
	blocks       [3][]floatBlock
	x, mid, c2   []float32
	res, out, in []float32
}

type floatBlock struct {
	conv1, conv2, short floatConv
	hasShort            bool
}

// floatConv holds a convolution with weights reordered to (ky, kx, in) rows.
type floatConv struct {
	c     *model.Conv
	rows  []float32
	patch []float32
}

func newFloatConv(c *model.Conv) floatConv {
	per := c.In * c.K * c.K
	rows := make([]float32, len(c.Weight))
	for o := range c.Out {
		for i := range c.In {
			for ky := range c.K {
				for kx := range c.K {
					rows[o*per+(ky*c.K+kx)*c.In+i] = c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]
				}
			}
		}
	}
	return floatConv{c: c, rows: rows}
}

func newFloatNet(n *model.Net) *floatNet {
	f := &floatNet{net: n, stem: newFloatConv(&n.Stem)}
	for s := range n.Stages {
		for b := range n.Stages[s] {
			blk := &n.Stages[s][b]
			fb := floatBlock{conv1: newFloatConv(&blk.Conv1), conv2: newFloatConv(&blk.Conv2)}
			if blk.Shortcut != nil {
				fb.short, fb.hasShort = newFloatConv(blk.Shortcut), true
			}
			f.blocks[s] = append(f.blocks[s], fb)
		}
	}
	largest := model.Widths[0] * model.InputSize * model.InputSize
	for _, p := range []*[]float32{&f.x, &f.mid, &f.c2, &f.res, &f.out} {
		*p = make([]float32, largest)
	}
	f.in = make([]float32, model.InputLen)
	return f
}

// run passes one image through the network, calling see with each tensor
// (HWC) under its name.
func (f *floatNet) run(pixels []float32, see func(name string, v []float32)) {
	n := f.net
	const plane = model.InputSize * model.InputSize
	for c := range model.InputChannels {
		for p := range plane {
			i := c*plane + p
			j := i
			if len(n.Spec.Norm.Mean) == model.InputChannels {
				j = c
			}
			f.in[p*model.InputChannels+c] = float32((float64(pixels[i]) - float64(n.Spec.Norm.Mean[j])) / float64(n.Spec.Norm.Std[j]))
		}
	}
	size := model.InputSize
	f.stem.apply(f.x, f.in, size, size, true)
	x := f.x[:model.Widths[0]*size*size]
	see("conv1", x)
	in := model.Widths[0]
	for s := range n.Stages {
		for b := range n.Stages[s] {
			blk, fb := &n.Stages[s][b], &f.blocks[s][b]
			p := blockName(s, b)
			oh, ow := blk.Conv1.OutSize(size, size)
			out := blk.Conv1.Out
			mid := f.mid[:out*oh*ow]
			fb.conv1.apply(mid, x, size, size, true)
			see(p+".relu", mid)
			c2 := f.c2[:out*oh*ow]
			fb.conv2.apply(c2, mid, oh, ow, false)
			see(p+".conv2", c2)
			res := x
			switch {
			case fb.hasShort:
				res = f.res[:out*oh*ow]
				fb.short.apply(res, x, size, size, false)
				see(p+".shortcut", res)
			case blk.Conv1.Stride != 1 || in != out:
				res = f.res[:out*oh*ow]
				floatShortcutA(res, x, in, size, out, blk.Conv1.Stride)
			}
			y := f.out[:out*oh*ow]
			for i := range y {
				y[i] = max(c2[i]+res[i], 0)
			}
			see(p, y)
			f.x, f.out = f.out, f.x
			x = y
			size, in = oh, out
		}
	}
}

// apply computes dst = [relu](conv(src) + bias) on HWC tensors: each
// output pixel's patch is gathered once (zeros outside the image), then
// dotted with every weight row.
func (fc *floatConv) apply(dst, src []float32, h, w int, relu bool) {
	c := fc.c
	top, left, _, _ := c.Pads(h, w)
	oh, ow := c.OutSize(h, w)
	per := c.In * c.K * c.K
	if cap(fc.patch) < per {
		fc.patch = make([]float32, per)
	}
	patch := fc.patch[:per]
	for y := range oh {
		for x := range ow {
			for ky := range c.K {
				iy := y*c.Stride + ky - top
				for kx := range c.K {
					ix := x*c.Stride + kx - left
					seg := patch[(ky*c.K+kx)*c.In : (ky*c.K+kx+1)*c.In]
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						clear(seg)
					} else {
						copy(seg, src[(iy*w+ix)*c.In:(iy*w+ix+1)*c.In])
					}
				}
			}
			d := dst[(y*ow+x)*c.Out : (y*ow+x+1)*c.Out]
			for o := range c.Out {
				sum := c.Bias[o] + dot(fc.rows[o*per:(o+1)*per], patch)
				if relu && sum < 0 {
					sum = 0
				}
				d[o] = sum
			}
		}
	}
}

// dot is a float32 dot product with four partial sums (len(b) >= len(a)).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// floatShortcutA is option A in HWC (see shortcutA).
func floatShortcutA(dst, src []float32, in, size, out, stride int) {
	os := (size + stride - 1) / stride
	lo := (out - in) / 2
	clear(dst[:os*os*out])
	for y := range os {
		for x := range os {
			copy(dst[(y*os+x)*out+lo:(y*os+x)*out+lo+in], src[((y*stride)*size+x*stride)*in:][:in])
		}
	}
}

// inputRange is the range of the normalised image over all pixel values in
// [0, 1]: exact, so the input needs no calibration.
func inputRange(n model.Norm) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range n.Mean {
		m, s := float64(n.Mean[i]), float64(n.Std[i])
		lo = min(lo, (0-m)/s, (1-m)/s)
		hi = max(hi, (0-m)/s, (1-m)/s)
	}
	return lo, hi
}
