package cache

import "fmt"

// Contributors counts the items whose term in p_cache(. | q) at theta is not
// dropped by the cutoff: those with theta * (q.k_i - s_max) >= -40, tested in
// float32 as the exps kernels test it. It says how much of a cache a lookup
// could skip without changing its result: an index over the items can only
// pay when most of them fall outside the cutoff. It is a measurement for
// benchmarks and studies, not a board path: it allocates a similarity per
// item.
func (c *Cache) Contributors(q []float32, theta float32) (int, error) {
	if len(q) != c.dim {
		return 0, fmt.Errorf("cache: query of %d values for %d-value keys", len(q), c.dim)
	}
	if err := c.checkQueries(q, theta); err != nil {
		return 0, err
	}
	sims := make([]float32, c.Len())
	dots(kernels, sims, c.keys, q)
	m := sims[0]
	for _, s := range sims[1:] {
		m = max(m, s)
	}
	n := 0
	for _, s := range sims {
		if (s-m)*theta >= -cutoff {
			n++
		}
	}
	return n, nil
}
