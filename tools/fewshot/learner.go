package fewshot

import (
	"bytes"
	"fmt"

	"github.com/edgecache/edgecache/cache"
)

// Learner is a board's cache being taught: a private copy of a bundle's
// cache taught by the board's own cache.Learner (the firmware's teach path
// without the log), less the classes the study made it forget.
type Learner struct {
	*cache.Learner
	// EvictedTaught counts the taught examples given up to stay within the
	// budget (cache.Learner.Evicted counts the items).
	EvictedTaught int
}

// NewLearner copies c (through its file format, so the copy is exact and
// shares nothing), removes every item of the classes forget (the bundle
// forgets them, as if it had never been built with them) and teaches the
// copy with o within budget bytes (cache.Cache.Bytes; 0: what c takes
// now, before forgetting: the firmware's default budget).
func NewLearner(c *cache.Cache, budget int, o cache.LearnOpts, forget ...int) (*Learner, error) {
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
	for _, y := range forget {
		if y < 0 || y >= cp.Classes() {
			return nil, fmt.Errorf("fewshot: forget class %d of %d", y, cp.Classes())
		}
		// Remove, the board's own operation, rather than one filtering
		// pass: the copy then holds exactly what a board that removed the
		// class would hold. Going backwards, each Remove moves only the
		// items after it.
		for i := cp.Len() - 1; i >= 0; i-- {
			if cp.Label(i) != y {
				continue
			}
			if err := cp.Remove(i); err != nil {
				return nil, err
			}
		}
	}
	l, err := cache.NewLearner(cp, budget, o)
	if err != nil {
		return nil, fmt.Errorf("fewshot: %w", err)
	}
	return &Learner{Learner: l}, nil
}

// Teach teaches one example of class y as the board does.
func (l *Learner) Teach(key []float32, y int) error {
	_, dropped, err := l.Learner.Teach(key, y)
	l.EvictedTaught += len(dropped)
	return err
}
