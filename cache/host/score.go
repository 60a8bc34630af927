package host

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
)

// Queries are scored images: their keys (rows of Dim), true labels and the
// network's probabilities (rows of Classes), as the host tools collect them
// from a data set.
type Queries struct {
	Dim, Classes int
	Keys         []float32
	Labels       []int
	Probs        []float32
}

// Len is the number of queries.
func (q *Queries) Len() int { return len(q.Labels) }

// check refuses queries whose parts disagree in length.
func (q *Queries) check() error {
	n := q.Len()
	if q.Dim < 1 || q.Classes < 1 || len(q.Keys) != n*q.Dim || len(q.Probs) != n*q.Classes {
		return fmt.Errorf("host: %d queries with %d key values (%d each) and %d probabilities (%d each)",
			n, len(q.Keys), q.Dim, len(q.Probs), q.Classes)
	}
	for i, y := range q.Labels {
		if y < 0 || y >= q.Classes {
			return fmt.Errorf("host: query %d has label %d of %d classes", i, y, q.Classes)
		}
	}
	return nil
}

// Accuracy is the top-1 accuracy of the board's mixture cache.Mix(pNet,
// pCache, lambda) over the queries (pCache nil: the network alone), pCache
// holding Len rows of Classes values (from Probs). A label ties with no
// class: the first of equal probabilities is not enough, the label's must be
// strictly largest.
func (q *Queries) Accuracy(pCache []float32, lambda float64) (float64, error) {
	if err := q.check(); err != nil {
		return 0, err
	}
	if q.Len() == 0 {
		return 0, fmt.Errorf("host: accuracy of no queries")
	}
	k := q.Classes
	if pCache != nil && len(pCache) != len(q.Probs) {
		return 0, fmt.Errorf("host: %d cache probabilities for %d queries of %d classes", len(pCache), q.Len(), k)
	}
	mix := make([]float32, k)
	right := 0
	for i, y := range q.Labels {
		p := q.Probs[i*k : (i+1)*k]
		if pCache != nil {
			if err := cache.Mix(mix, p, pCache[i*k:(i+1)*k], float32(lambda)); err != nil {
				return 0, err
			}
			p = mix
		}
		if top(p, y) {
			right++
		}
	}
	return float64(right) / float64(q.Len()), nil
}

// top reports whether p[y] is larger than every other value: the board's
// decision counted right only when no other class ties it.
func top[F float32 | float64](p []F, y int) bool {
	for j, v := range p {
		if j != y && v >= p[y] {
			return false
		}
	}
	return true
}

// Mixture is one setting of the paper's mixture: p_cache at Theta, weighted
// Lambda against the network (Lambda 1: CacheOnly).
type Mixture struct{ Theta, Lambda float64 }

// Errors scores c on q at each mixture with one similarity scan (Probs):
// the test error (1 - top-1 accuracy) of each, and of the network alone.
// It is the host's scoring of a cache, the same arithmetic as the board's
// TapProbs and Mix, item weights included.
func Errors(c *cache.Cache, q *Queries, mixes []Mixture) (errs []float64, network float64, err error) {
	if err := q.check(); err != nil {
		return nil, 0, err
	}
	if q.Dim != c.Dim() || q.Classes != c.Classes() {
		return nil, 0, fmt.Errorf("host: queries of %d values and %d classes, cache keys of %d values and %d classes", q.Dim, q.Classes, c.Dim(), c.Classes())
	}
	acc, err := q.Accuracy(nil, 0)
	if err != nil {
		return nil, 0, err
	}
	if len(mixes) == 0 {
		return nil, 1 - acc, nil
	}
	// One theta per distinct value: the scan's cost grows with each.
	var thetas []float64
	at := make([]int, len(mixes))
	for i, m := range mixes {
		at[i] = -1
		for t, th := range thetas {
			if th == m.Theta {
				at[i] = t
			}
		}
		if at[i] < 0 {
			at[i] = len(thetas)
			thetas = append(thetas, m.Theta)
		}
	}
	pc, err := Probs(c, q.Keys, thetas, SimOptions{})
	if err != nil {
		return nil, 0, err
	}
	errs = make([]float64, len(mixes))
	for i, m := range mixes {
		a, err := q.Accuracy(pc[at[i]], m.Lambda)
		if err != nil {
			return nil, 0, err
		}
		errs[i] = 1 - a
	}
	return errs, 1 - acc, nil
}
