package cache

import (
	"fmt"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// What a board does to its cache when a user teaches it: new classes, new
// items, and items given up to stay within the memory it was sized for.

// GrowClasses raises the number of class labels to n (labels n-1 and below
// become valid): a class the user named on the board, which the network
// has never heard of. The cache's p_cache then has n values; Mix pads the
// network's shorter distribution with zeros. Lookup scratch made before
// must be made again (NewScratch), as it holds one sum per class.
func (c *Cache) GrowClasses(n int) error {
	if n < c.classes || n > MaxClasses {
		return fmt.Errorf("cache: cannot go from %d to %d classes (at most %d, never fewer)", c.classes, n, MaxClasses)
	}
	c.classes = n
	return nil
}

// Remove deletes item i; the items after it move down one place, so the
// order items were added in (which Victim relies on, and which keeps a
// class's items together for the lookup's fold) is kept. It moves
// (Len-i) x Dim values: a fraction of a millisecond for a board's cache,
// and it runs only when a user teaches.
func (c *Cache) Remove(i int) error {
	n := c.Len()
	if i < 0 || i >= n {
		return fmt.Errorf("cache: remove item %d of %d", i, n)
	}
	c.keys = append(c.keys[:i*c.dim], c.keys[(i+1)*c.dim:]...)
	c.labels = append(c.labels[:i], c.labels[i+1:]...)
	if c.weights != nil {
		c.weights = append(c.weights[:i], c.weights[i+1:]...)
	}
	return nil
}

// Victim is the item the eviction policy gives up next to make room, given
// which items were taught on the board (taught[i], Len values). The policy:
//
//  1. Taught examples are never given up while an item of the bundle (the
//     training set's keys or prototypes) remains: what the user taught is
//     what the board is for.
//  2. Among the items that may go, the class holding the most items (all
//     items counted, weights not: a balanced cache answers every class
//     alike) gives one up; ties go to the lower class index.
//  3. Within that class, of the bundle's items the last goes (the bundle
//     keeps those it was built with first), of the taught ones the first:
//     the oldest example gives way to newer ones.
//
// It returns -1 for an empty cache.
func (c *Cache) Victim(taught []bool) (int, error) {
	n := c.Len()
	if len(taught) != n {
		return -1, fmt.Errorf("cache: %d taught flags for %d items", len(taught), n)
	}
	if n == 0 {
		return -1, nil
	}
	bundleLeft := false
	for _, t := range taught {
		if !t {
			bundleLeft = true
			break
		}
	}
	// Count each class's items, and find each class's candidate.
	count := make([]int, c.classes)
	cand := make([]int, c.classes)
	for y := range cand {
		cand[y] = -1
	}
	for i := 0; i < n; i++ {
		y := int(c.labels[i])
		count[y]++
		if taught[i] == bundleLeft {
			continue // a taught item while bundle items remain, or the reverse
		}
		switch {
		case bundleLeft:
			cand[y] = i // the last bundle item of the class
		case cand[y] < 0:
			cand[y] = i // the first (oldest) taught item of the class
		}
	}
	best := -1
	for y := range count {
		if cand[y] >= 0 && (best < 0 || count[y] > count[best]) {
			best = y
		}
	}
	return cand[best], nil
}

// setKey replaces item i's key (a taught item whose examples grew).
func (c *Cache) setKey(i int, key []float32) error {
	if i < 0 || i >= c.Len() || len(key) != c.dim {
		return fmt.Errorf("cache: set key of item %d of %d (%d values, want %d)", i, c.Len(), len(key), c.dim)
	}
	row := c.keys[i*c.dim : (i+1)*c.dim]
	for j, v := range key {
		row[j] = f16.Encode(v)
	}
	return nil
}

// setWeight sets item i's weight; the cache stores weights from the first
// one other than 1.
func (c *Cache) setWeight(i, w int) error {
	if i < 0 || i >= c.Len() || w < 1 || w > MaxWeight {
		return fmt.Errorf("cache: weight %d for item %d of %d", w, i, c.Len())
	}
	if c.weights == nil && w == 1 {
		return nil
	}
	c.weigh()
	c.weights[i] = uint16(w)
	return nil
}
