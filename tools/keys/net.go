package keys

import (
	"fmt"
	"runtime"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// Net is the network keys and predictions come from: the float model, or
// its int8 version (whose taps are dequantized) when Int8 is set. Float may
// be nil when Int8 is set (a bundle holds no float model); quantizing and
// the paper's default taps need it.
type Net struct {
	Float *model.Net
	Int8  *quant.Model
	// Batch is the images per forward pass (twice as many with flips), 32
	// when 0; Threads the passes run at once, every core when 0.
	Batch, Threads int
}

// Classes is the number of classes the network predicts.
func (n *Net) Classes() int {
	if n.Int8 != nil {
		return n.Int8.Classes
	}
	return n.Float.Classes
}

// Precision names the arithmetic the keys come from: "float32" or "int8".
func (n *Net) Precision() string {
	if n.Int8 != nil {
		return "int8"
	}
	return "float32"
}

func (n *Net) String() string {
	if n.Float == nil {
		return fmt.Sprintf("%v, %s", n.Int8, n.Precision())
	}
	return fmt.Sprintf("%v, %s", n.Float, n.Precision())
}

func (n *Net) batch() int {
	if n.Batch < 1 {
		return 32
	}
	return n.Batch
}

func (n *Net) threads() int {
	if n.Threads < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return n.Threads
}

// TapInfo describes the network's tap name (of the int8 network when there
// is one: its taps are the keys' source).
func (n *Net) TapInfo(name string) (model.TapInfo, error) {
	if n.Int8 != nil {
		return n.Int8.Tap(name)
	}
	return n.Float.Tap(name)
}

// TapSpec describes the network's tap name pooled as pool.
func (n *Net) TapSpec(name string, pool cache.Pool) (cache.TapSpec, error) {
	info, err := n.TapInfo(name)
	if err != nil {
		return cache.TapSpec{}, err
	}
	return cache.TapSpec{Name: info.Name, C: info.C, H: info.H, W: info.W, Pool: pool}, nil
}

// TapShape describes the network's taps to cache.Cache.Fits.
func (n *Net) TapShape(name string) (c, h, w int, err error) {
	info, err := n.TapInfo(name)
	return info.C, info.H, info.W, err
}

// Fits refuses a cache whose keys this network cannot make or whose labels
// it does not predict (cache.Cache.Fits, the check the board program runs).
func (n *Net) Fits(c *cache.Cache) error { return c.Fits(n.Classes(), n.TapShape) }

// Engines makes one engine per thread, each keeping the given taps and
// taking batches of per images.
func (n *Net) Engines(per int, taps ...string) ([]Engine, error) {
	out := make([]Engine, n.threads())
	for i := range out {
		var err error
		if n.Int8 != nil {
			out[i], err = n.Int8.NewRunner(per, taps...)
		} else {
			out[i], err = n.Float.NewRunner(per, taps...)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
