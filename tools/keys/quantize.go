package keys

import (
	"fmt"
	"io"
	"sync"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// QuantizeOptions says how to calibrate and choose among observers.
type QuantizeOptions struct {
	Calib     int // calibration images, spread over the fit images
	Val       int // validation images scoring each observer
	Observers []quant.Observer
	Threads   int       // decoding goroutines; every core when 0
	Log       io.Writer // one line per observer, if not nil
}

// Quantize calibrates net on images of fit (training images outside the
// validation split), quantizes it with every observer, and keeps the one
// with the best top-1 on images of val (validation images, never test
// images).
func Quantize(net *model.Net, fit, val Images, o QuantizeOptions) (*quant.Model, error) {
	pixels, _, err := Load(fit, Spread(fit.Len(), o.Calib), o.Threads)
	if err != nil {
		return nil, err
	}
	cal, err := quant.Calibrate(net, pixels, len(pixels)/model.InputLen)
	if err != nil {
		return nil, err
	}
	vpix, labels, err := Load(val, Spread(val.Len(), o.Val), o.Threads)
	if err != nil {
		return nil, err
	}
	choices, best, err := quant.Choose(net, cal, vpix, labels, o.Observers...)
	if err != nil {
		return nil, err
	}
	if o.Log != nil {
		for _, c := range choices {
			fmt.Fprintf(o.Log, "quantize: observer %-9v validation top-1 %.2f%% (%d images, calibrated on %d)\n",
				c.Observer, 100*c.Top1, len(labels), cal.Images())
		}
	}
	return choices[best].Model, nil
}

// Load decodes the chosen images of set on threads goroutines (every core
// when 0): their pixels, one model.InputLen block each, and labels.
func Load(set Images, idx []int, threads int) ([]float32, []int, error) {
	if threads < 1 {
		threads = (&Net{}).threads()
	}
	pixels := make([]float32, len(idx)*model.InputLen)
	labels := make([]int, len(idx))
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(idx); k += threads {
				if err := set.Load(idx[k], pixels[k*model.InputLen:(k+1)*model.InputLen]); err != nil {
					errs[w] = err
					return
				}
				labels[k] = set.Label(idx[k])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return pixels, labels, nil
}

// Spread picks n indices evenly over 0..total-1 (all of them when n is 0 or
// over total): data sets on disk are often sorted by class, and a subset
// must see every class.
func Spread(total, n int) []int {
	if n <= 0 || n > total {
		n = total
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = int(int64(i) * int64(total) / int64(n))
	}
	return idx
}
