package host

import (
	"fmt"
	"math/rand/v2"

	"github.com/edgecache/edgecache/cache"
)

// Subset returns a new cache holding the given items of c (in that order),
// with c's spec, classes, thetas, lambda and weights. Keys are copied bit for
// bit (an fp16 key read as float32 rounds back to itself).
func Subset(c *cache.Cache, items []int) (*cache.Cache, error) {
	s, err := cache.New(c.Spec(), c.Classes())
	if err != nil {
		return nil, err
	}
	s.Theta, s.Lambda, s.CacheOnlyTheta = c.Theta, c.Lambda, c.CacheOnlyTheta
	s.Grow(len(items))
	var key []float32
	for _, i := range items {
		if i < 0 || i >= c.Len() {
			return nil, fmt.Errorf("host: subset item %d of %d", i, c.Len())
		}
		key = c.Key(key, i)
		if err := s.AddWeighted(key, c.Label(i), c.Weight(i)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// BalancedSubset picks n of c's items, as evenly over the classes as the
// items allow (classes with too few items give all they have and the rest is
// spread over the others), at random within each class from seed, and
// returns their indices in ascending order. n >= Len returns every item.
func BalancedSubset(c *cache.Cache, n int, seed uint64) []int {
	labels := make([]int, c.Len())
	for i := range labels {
		labels[i] = c.Label(i)
	}
	return BalancedIndices(labels, c.Classes(), n, seed)
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
