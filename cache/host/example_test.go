package host_test

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
)

// Tune a cache on validation queries and score it with the board's
// arithmetic: the host side of the paper's protocol. (The scoring here reuses
// the validation queries to stay short; score test images in practice.)
func Example() {
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.0", C: 2, H: 1, W: 1}}}
	c, err := cache.New(spec, 2)
	if err != nil {
		panic(err)
	}
	// Class 0's keys point along x, class 1's along y.
	for _, item := range []struct {
		key   []float32
		label int
	}{{[]float32{1, 0}, 0}, {[]float32{0.96, 0.28}, 0}, {[]float32{0, 1}, 1}, {[]float32{0.28, 0.96}, 1}} {
		if err := c.Add(item.key, item.label); err != nil {
			panic(err)
		}
	}
	// Two validation images near each class; the network is unsure of both
	// and wrong about the second.
	val := &host.Queries{Dim: 2, Classes: 2,
		Keys:   []float32{0.8, 0.6, 0.6, 0.8},
		Labels: []int{0, 1},
		Probs:  []float32{0.55, 0.45, 0.6, 0.4},
	}
	res, err := host.Tune(val.Keys, val.Labels, val.Probs, c, host.TuneOptions{NoRefine: true})
	if err != nil {
		panic(err)
	}
	fmt.Printf("validation: network %.0f%%, with the cache %.0f%%\n", 100*res.BaselineAcc, 100*res.Acc)

	errs, network, err := host.Errors(c, val, []host.Mixture{{Theta: res.Theta, Lambda: res.Lambda}, {Theta: res.CacheOnlyTheta, Lambda: 1}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("error: network %.0f%%, mixture %.0f%%, CacheOnly %.0f%%\n", 100*network, 100*errs[0], 100*errs[1])
	// Output:
	// validation: network 50%, with the cache 100%
	// error: network 50%, mixture 0%, CacheOnly 0%
}
