package fewshot

import (
	"bytes"
	"fmt"

	"github.com/edgecache/edgecache/cache"
)

// Learner is a board's cache being taught: a private copy of a bundle's
// cache, which items were taught, and the byte budget the board keeps it
// within. Teach does what the firmware's teach path does with one example.
type Learner struct {
	Cache  *cache.Cache
	taught []bool // per item: taught (true) or the bundle's
	budget int
	// Evicted counts the items given up to stay within the budget, and
	// EvictedTaught those of them that had been taught.
	Evicted, EvictedTaught int
}

// NewLearner copies c (through its file format, so the copy is exact and
// shares nothing) and keeps it within budget bytes (cache.Cache.Bytes);
// budget 0 means what c takes now.
func NewLearner(c *cache.Cache, budget int) (*Learner, error) {
	if budget == 0 {
		budget = c.Bytes()
	}
	if budget < c.Bytes() {
		return nil, fmt.Errorf("fewshot: budget %d bytes is below what the cache already takes (%d)", budget, c.Bytes())
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		return nil, fmt.Errorf("fewshot: copy the cache: %w", err)
	}
	cp, err := cache.Read(&buf)
	if err != nil {
		return nil, fmt.Errorf("fewshot: copy the cache: %w", err)
	}
	return &Learner{Cache: cp, taught: make([]bool, cp.Len()), budget: budget}, nil
}

// Budget is the byte budget.
func (l *Learner) Budget() int { return l.budget }

// Forget removes every item of class y (the bundle forgets a class) and
// returns how many went. Items are removed from the end so that each
// Remove moves only what follows it.
func (l *Learner) Forget(y int) (int, error) {
	if y < 0 || y >= l.Cache.Classes() {
		return 0, fmt.Errorf("fewshot: class %d of %d", y, l.Cache.Classes())
	}
	// Remove, the board's own operation, rather than one filtering pass:
	// the copy then holds exactly what a board that removed the class
	// would hold. Going backwards, each Remove moves only the items after
	// it (a fraction of a second for a board's cache).
	n := 0
	for i := l.Cache.Len() - 1; i >= 0; i-- {
		if l.Cache.Label(i) != y {
			continue
		}
		if err := l.remove(i); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Teach adds one example of class y (its key, from the board's key
// function) with the board's weight, then gives up the items the eviction
// policy names (cache.Cache.Victim) until the cache is within its budget,
// as the board does.
func (l *Learner) Teach(key []float32, y, weight int) error {
	if y >= l.Cache.Classes() {
		// A class the network never knew: the board grows its labels.
		if err := l.Cache.GrowClasses(y + 1); err != nil {
			return err
		}
	}
	if err := l.Cache.AddWeighted(key, y, weight); err != nil {
		return err
	}
	l.taught = append(l.taught, true)
	for l.Cache.Bytes() > l.budget {
		v, err := l.Cache.Victim(l.taught)
		if err != nil {
			return err
		}
		if v < 0 {
			return fmt.Errorf("fewshot: budget of %d bytes holds no item", l.budget)
		}
		if l.taught[v] {
			l.EvictedTaught++
		}
		l.Evicted++
		if err := l.remove(v); err != nil {
			return err
		}
	}
	return nil
}

// Taught counts the taught items still in the cache.
func (l *Learner) Taught() int {
	n := 0
	for _, t := range l.taught {
		if t {
			n++
		}
	}
	return n
}

func (l *Learner) remove(i int) error {
	if err := l.Cache.Remove(i); err != nil {
		return err
	}
	l.taught = append(l.taught[:i], l.taught[i+1:]...)
	return nil
}
