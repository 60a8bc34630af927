package main

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/cache"
)

// scoreCutoff drops terms exp(theta (s - max)) below e^-40 of the largest,
// as cache.Probs does: they cannot change a float32 probability.
const scoreCutoff = 40

// cacheProbs computes p_cache for every query at each theta from one scan of
// the query x key similarities (cache.Similarities, all cores): out[t] holds
// Len x Classes probabilities at thetas[t]. It is the batched host form of
// cache.Probs, for scoring whole test sets; tuning uses cache.Tune.
func cacheProbs(q *queries, c *cache.Cache, thetas []float64) ([][]float32, error) {
	if q.dim != c.Dim() {
		return nil, fmt.Errorf("queries of %d values, cache keys of %d", q.dim, c.Dim())
	}
	for _, th := range thetas {
		if !(th >= 0) || math.IsInf(th, 0) {
			return nil, fmt.Errorf("theta %v (want finite, >= 0)", th)
		}
	}
	nq, classes, nt := q.Len(), c.Classes(), len(thetas)
	labels := make([]uint16, c.Len())
	for i := range labels {
		labels[i] = uint16(c.Label(i))
	}
	// Per query: running maximum and per (theta, class) sums relative to it.
	max := make([]float64, nq)
	sums := make([]float64, nq*nt*classes)
	for i := range max {
		max[i] = math.Inf(-1)
	}
	err := cache.Similarities(q.keys, c, cache.SimOptions{}, func(_ int, b cache.SimBlock) {
		for i := 0; i < b.NQ; i++ {
			qi := b.Q0 + i
			sims := b.Sims[i*b.Stride : i*b.Stride+b.NK]
			bmax := math.Inf(-1)
			for _, s := range sims {
				bmax = math.Max(bmax, float64(s))
			}
			qs := sums[qi*nt*classes : (qi+1)*nt*classes]
			if bmax > max[qi] {
				if !math.IsInf(max[qi], -1) {
					for t, th := range thetas {
						f := math.Exp(th * (max[qi] - bmax))
						for y := 0; y < classes; y++ {
							qs[t*classes+y] *= f
						}
					}
				}
				max[qi] = bmax
			}
			m := max[qi]
			ls := labels[b.K0 : b.K0+b.NK]
			for j, s := range sims {
				d := float64(s) - m
				for t, th := range thetas {
					if e := th * d; e > -scoreCutoff {
						qs[t*classes+int(ls[j])] += math.Exp(e)
					}
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([][]float32, nt)
	for t := range out {
		out[t] = make([]float32, nq*classes)
		for i := 0; i < nq; i++ {
			s := sums[(i*nt+t)*classes : (i*nt+t+1)*classes]
			var z float64
			for _, v := range s {
				z += v
			}
			for y, v := range s {
				out[t][i*classes+y] = float32(v / z)
			}
		}
	}
	return out, nil
}

// mixAccuracy is the top-1 accuracy of (1 - lambda) pNet + lambda pCache
// over the queries (pCache nil: the network alone).
func mixAccuracy(q *queries, pCache []float32, lambda float64) float64 {
	if q.Len() == 0 {
		return 0
	}
	classes := q.classes
	mix := make([]float32, classes)
	correct := 0
	for i := 0; i < q.Len(); i++ {
		pn := q.probs[i*classes : (i+1)*classes]
		if pCache == nil {
			copy(mix, pn)
		} else {
			// cache.Mix's arithmetic, without its per-call checks.
			pc := pCache[i*classes : (i+1)*classes]
			l := float32(lambda)
			for y := range mix {
				mix[y] = (1-l)*pn[y] + l*pc[y]
			}
		}
		if rankOf(mix, q.labels[i]) == 0 {
			correct++
		}
	}
	return float64(correct) / float64(q.Len())
}
