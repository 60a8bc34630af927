package host

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/edgecache/edgecache/cache"
)

// Remaking whole-tap keys in a smaller form (pooled, projected) without the
// network: a whole key holds every tap value, so any key of the same taps
// is a function of it (Spec.Key of its segments).

// Segments splits a whole-tap key of spec into its taps' parts.
func Segments(spec cache.Spec, key []float32) [][]float32 {
	segs := make([][]float32, len(spec.Taps))
	o := 0
	for i, t := range spec.Taps {
		n := t.Len()
		segs[i] = key[o : o+n]
		o += n
	}
	return segs
}

// Rekey remakes whole-tap keys (rows of whole.Dim()) as keys of spec, which
// must have whole's taps (pooled or not, projected or not), on all cores.
func Rekey(spec, whole cache.Spec, keys []float32) ([]float32, error) {
	if len(keys)%whole.Dim() != 0 {
		return nil, fmt.Errorf("host: %d key values are not a whole number of %d-value keys", len(keys), whole.Dim())
	}
	n := len(keys) / whole.Dim()
	return rekey(spec, n, func(dst []float32, i int) []float32 {
		return keys[i*whole.Dim() : (i+1)*whole.Dim()]
	}, whole)
}

// RekeyCache remakes every key of c, a cache of whole-tap keys, as a key of
// spec, on all cores.
func RekeyCache(spec cache.Spec, c *cache.Cache) ([]float32, error) {
	if c.Spec().Proj != nil {
		return nil, fmt.Errorf("host: the cache's keys are projected (%v); rekeying starts from whole-tap keys", c.Spec())
	}
	return rekey(spec, c.Len(), c.Key, c.Spec())
}

// rekey makes n keys of spec from the whole keys key(scratch, i) returns.
func rekey(spec cache.Spec, n int, key func(dst []float32, i int) []float32, whole cache.Spec) ([]float32, error) {
	if len(spec.Taps) != len(whole.Taps) {
		return nil, fmt.Errorf("host: keys of %d taps cannot be remade from %d", len(spec.Taps), len(whole.Taps))
	}
	for i, t := range spec.Taps {
		w := whole.Taps[i]
		if t.Name != w.Name || t.C != w.C || t.H != w.H || t.W != w.W || w.Pool != cache.PoolNone {
			return nil, fmt.Errorf("host: tap %d is %v, the whole keys have %v", i, t, w)
		}
	}
	d := spec.Dim()
	out := make([]float32, n*d)
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch []float32
			for i := w; i < n; i += workers {
				k := key(scratch, i)
				scratch = k
				if err := spec.Key(out[i*d:(i+1)*d], Segments(whole, k)); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
