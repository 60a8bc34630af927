package host

import (
	"fmt"
	"math"
	"sync"

	"github.com/edgecache/edgecache/cache"
)

// Probs is the board's cache.Cache.ProbsBatch for many queries on the
// host, the one scoring path of every host command: one Similarities scan
// (all cores, SIMD matrix product) gives p_cache for every query at every
// theta in thetas at once, e.g. the tuned Cache3 and CacheOnly thetas when
// scoring a test set at the paper's scale. Each item counts with its weight,
// as on the board. out[t] holds len(queries)/Dim rows of Classes values for
// thetas[t]. Terms below 1e-13 of the largest are dropped (see Tune);
// exponentials are expNeg's (1e-9 relative).
func Probs(c *cache.Cache, queries []float32, thetas []float64, opt SimOptions) ([][]float32, error) {
	return probs(c, queries, thetas, opt, func(opt SimOptions, fn func(int, SimBlock)) error {
		return Similarities(queries, c, opt, fn)
	})
}

// probs is Probs with the scan of queries against c's keys done by scan.
func probs(c *cache.Cache, queries []float32, thetas []float64, opt SimOptions, scan func(SimOptions, func(int, SimBlock)) error) ([][]float32, error) {
	if len(queries)%c.Dim() != 0 {
		return nil, fmt.Errorf("host: %d query values are not a whole number of %d-value keys", len(queries), c.Dim())
	}
	if c.Len() == 0 {
		return nil, fmt.Errorf("host: lookup in an empty cache")
	}
	if len(thetas) == 0 {
		return nil, fmt.Errorf("host: no thetas")
	}
	ladders := make([]ladder, len(thetas))
	for i, th := range thetas {
		if !(th >= 0) || math.IsInf(th, 0) {
			return nil, fmt.Errorf("host: theta %v (want finite, >= 0)", th)
		}
		ladders[i] = ladder{theta0: th, n: 1}
	}
	nq, classes, nt := len(queries)/c.Dim(), c.Classes(), len(thetas)
	labels, weights := items(c)
	out := make([][]float32, nt)
	for t := range out {
		out[t] = make([]float32, nq*classes)
	}
	if lim := max(1, (64<<20)/(8*classes*nt)); opt.QueryChunk <= 0 || opt.QueryChunk > lim {
		opt.QueryChunk = min(2048, lim)
	}
	var mu sync.Mutex
	states := map[int]*thetaSums{}
	nk := c.Len()
	err := scan(opt, func(w int, b SimBlock) {
		mu.Lock()
		st := states[w]
		if st == nil {
			st = newThetaSums(ladders, classes, opt.QueryChunk)
			states[w] = st
		}
		mu.Unlock()
		if b.K0 == 0 {
			st.reset(b.NQ)
		}
		for i := 0; i < b.NQ; i++ {
			st.add(i, b.Sims[i*b.Stride:i*b.Stride+b.NK], labels[b.K0:b.K0+b.NK], weightsOf(weights, b.K0, b.NK))
		}
		if b.K0+b.NK < nk {
			return
		}
		for i := 0; i < b.NQ; i++ {
			qs := st.sums[i*classes*nt : (i+1)*classes*nt]
			for t := 0; t < nt; t++ {
				var z float64
				for k := 0; k < classes; k++ {
					z += qs[k*nt+t]
				}
				row := out[t][(b.Q0+i)*classes : (b.Q0+i+1)*classes]
				for k := range row {
					row[k] = float32(qs[k*nt+t] / z)
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// items copies c's labels and, when it is weighted, its weights (nil
// otherwise) into the compact form the reducers fold with.
func items(c *cache.Cache) (labels, weights []uint16) {
	labels = make([]uint16, c.Len())
	for i := range labels {
		labels[i] = uint16(c.Label(i))
	}
	if c.Weighted() {
		weights = make([]uint16, c.Len())
		for i := range weights {
			weights[i] = uint16(c.Weight(i))
		}
	}
	return labels, weights
}

// weightsOf is the weights of items k0..k0+n-1, nil when all are 1.
func weightsOf(weights []uint16, k0, n int) []uint16 {
	if weights == nil {
		return nil
	}
	return weights[k0 : k0+n]
}
