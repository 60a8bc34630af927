package cache_test

import (
	"bytes"
	"fmt"

	"github.com/edgecache/edgecache/cache"
)

// Build a cache from taps, look a query up, mix with the network, and store
// the cache in a file.
func Example() {
	// Keys from two taps: one flattened whole, one average-pooled.
	spec := cache.Spec{Taps: []cache.TapSpec{
		{Name: "layer3.0", C: 2, H: 1, W: 2, Pool: cache.PoolNone},
		{Name: "layer3.2.relu", C: 2, H: 2, W: 1, Pool: cache.PoolAvg},
	}}
	c, err := cache.New(spec, 3)
	if err != nil {
		panic(err)
	}
	key := make([]float32, spec.Dim())
	for _, item := range []struct {
		a, b  []float32
		label int
	}{
		{[]float32{1, 0, 0, 0}, []float32{0, 0, 0, 0}, 0},
		{[]float32{0, 1, 0, 0}, []float32{0, 0, 0, 0}, 1},
		{[]float32{0, 0, 0, 0}, []float32{1, 1, 0, 0}, 2},
	} {
		if err := spec.Key(key, [][]float32{item.a, item.b}); err != nil {
			panic(err)
		}
		if err := c.Add(key, item.label); err != nil {
			panic(err)
		}
	}
	c.Theta, c.Lambda = 10, 0.5

	// An image whose taps resemble item 1.
	if err := spec.Key(key, [][]float32{{0.1, 0.9, 0, 0}, {0, 0, 0, 0}}); err != nil {
		panic(err)
	}
	pCache := make([]float32, c.Classes())
	if err := c.Probs(pCache, key, c.Theta); err != nil {
		panic(err)
	}
	pNet := []float32{0.5, 0.3, 0.2}
	p := make([]float32, c.Classes())
	if err := cache.Mix(p, pNet, pCache, c.Lambda); err != nil {
		panic(err)
	}
	fmt.Printf("p_cache %.3f\nmixture %.3f\n", pCache, p)

	var file bytes.Buffer
	if err := c.Write(&file); err != nil {
		panic(err)
	}
	back, err := cache.Read(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Len(), "items,", back.Bytes(), "bytes on the board")
	if err := spec.Check(back.Spec()); err != nil {
		panic(err)
	}
	// Output:
	// p_cache [0.000 1.000 0.000]
	// mixture [0.250 0.650 0.100]
	// 3 items, 1114 bytes on the board
}
