package cache

import (
	"fmt"
	"math/rand/v2"
)

// Subset returns a new cache holding the given items of c (in that order),
// with c's spec, classes, thetas, lambda and weights. Keys are copied bit for
// bit.
func (c *Cache) Subset(items []int) (*Cache, error) {
	s := &Cache{spec: c.spec, dim: c.dim, classes: c.classes, Theta: c.Theta, Lambda: c.Lambda, CacheOnlyTheta: c.CacheOnlyTheta}
	s.keys = make([]uint16, 0, len(items)*c.dim)
	s.labels = make([]uint16, 0, len(items))
	if c.weights != nil {
		s.weights = make([]uint16, 0, len(items))
	}
	for _, i := range items {
		if i < 0 || i >= c.Len() {
			return nil, fmt.Errorf("cache: subset item %d of %d", i, c.Len())
		}
		s.keys = append(s.keys, c.keys[i*c.dim:(i+1)*c.dim]...)
		s.labels = append(s.labels, c.labels[i])
		if c.weights != nil {
			s.weights = append(s.weights, c.weights[i])
		}
	}
	return s, nil
}

// BalancedSubset picks n of c's items, as evenly over the classes as the
// items allow (classes with too few items give all they have and the rest is
// spread over the others), at random within each class from seed, and
// returns their indices in ascending order. n >= Len returns every item.
func (c *Cache) BalancedSubset(n int, seed uint64) []int {
	return BalancedIndices(c.labelsInt(), c.classes, n, seed)
}

func (c *Cache) labelsInt() []int {
	out := make([]int, len(c.labels))
	for i, y := range c.labels {
		out[i] = int(y)
	}
	return out
}

// BalancedIndices picks n of the items with the given labels (0..classes-1)
// as evenly over the classes as possible, at random within each class, and
// returns them in ascending order.
func BalancedIndices(labels []int, classes, n int, seed uint64) []int {
	if n >= len(labels) {
		all := make([]int, len(labels))
		for i := range all {
			all[i] = i
		}
		return all
	}
	byClass := make([][]int, classes)
	for i, y := range labels {
		byClass[y] = append(byClass[y], i)
	}
	// Water-filling: every class gets min(its count, level); the level is
	// raised one item at a time, in class order, until n items are taken.
	quota := make([]int, classes)
	for left := n; left > 0; {
		progress := false
		for y := range quota {
			if left > 0 && quota[y] < len(byClass[y]) {
				quota[y]++
				left--
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	picked := make([]bool, len(labels))
	for y, items := range byClass {
		perm := r.Perm(len(items))
		for _, p := range perm[:quota[y]] {
			picked[items[p]] = true
		}
	}
	out := make([]int, 0, n)
	for i, ok := range picked {
		if ok {
			out = append(out, i)
		}
	}
	return out
}
