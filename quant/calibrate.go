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
// tensor that the int8 model quantizes: each tap, and the two a fused float
// pass never shows, a block's second convolution before the residual add
// ("layerS.B.conv2") and its projection shortcut ("layerS.B.shortcut"), which
// model.Runner keeps on request. The image range is not observed: it follows
// from Norm (see Quantize).
func Calibrate(net *model.Net, pixels []float32, count int) (*Calibration, error) {
	if count < 1 {
		return nil, fmt.Errorf("quant: calibration needs at least one image, got %d", count)
	}
	if len(pixels) != count*model.InputLen {
		return nil, fmt.Errorf("quant: %d calibration values for %d images, want %d", len(pixels), count, count*model.InputLen)
	}
	names := calibrated(net)
	// Batches split over the CPUs, each worker with its own runner and
	// observers, merged at the end: histograms add and min/max commute, so
	// the result does not depend on the split.
	const batch = 16
	batches := (count + batch - 1) / batch
	workers := min(runtime.GOMAXPROCS(0), batches)
	parts := make([]map[string]*observer, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := net.NewRunner(batch, names...)
			if err != nil {
				errs[w] = err
				return
			}
			obs := make(map[string]*observer, len(names))
			for _, name := range names {
				obs[name] = newObserver()
			}
			for b := w; b < batches; b += workers {
				lo, hi := b*batch, min((b+1)*batch, count)
				if _, err := r.Run(pixels[lo*model.InputLen:hi*model.InputLen], hi-lo); err != nil {
					errs[w] = err
					return
				}
				for _, name := range names {
					obs[name].add(r.Tap(name))
				}
			}
			parts[w] = obs
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	c := &Calibration{net: net, images: count, obs: parts[0]}
	for _, p := range parts[1:] {
		for name, o := range p {
			c.obs[name].merge(o)
		}
	}
	return c, nil
}

// calibrated names the tensors whose ranges the int8 model needs, in
// forward order.
func calibrated(n *model.Net) []string {
	names := []string{"conv1"}
	for s := range n.Stages {
		for b := range n.Stages[s] {
			p := blockName(s, b)
			names = append(names, p+".relu", p+".conv2")
			if n.Stages[s][b].Shortcut != nil {
				names = append(names, p+".shortcut")
			}
			names = append(names, p)
		}
	}
	return names
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
