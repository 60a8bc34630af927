package cache

import (
	"errors"
	"fmt"
	"math"
)

// How a board learns: taught examples become cache items that can compete
// with the bundle's, within the bundle's memory.
//
// Two facts about a fitted cache decide the design (measured with
// `edgecache fewshot` on the demo bundle, docs/results/fewshot.md):
//
//   - Its items are k-means prototypes, each the normalised mean of about 20
//     training keys. A mean lies closer to its cluster's members than any one
//     member does, so at the tuned theta (about 90) a raw taught key loses to
//     the nearest prototype of another class by exp(theta x 0.2) and more:
//     50 raw examples of a new class won 5% of its test images. Taught
//     examples are therefore summarised the same way: each taught item is the
//     normalised mean of up to Group examples of its class, in the order
//     they were taught.
//   - Its classes are balanced (the same number of items of the same
//     weight), so p_cache's class sums compare like with like. A class the
//     bundle does not hold (new on the board, or forgotten) starts with one
//     item against some 400 of every other class; the sums then say more
//     about how many items a class has than about the query. Such a class's
//     taught items share a total weight of Prior times the bundle's mean
//     class weight: Prior 1 would give it an equal footing, smaller values
//     hedge against a few examples that do not represent the class well.
//
// Classes the bundle holds keep their items' weights: their taught items
// count 1 each, as the bundle's prototypes do.

// LearnOpts are a board's teaching settings.
// The right group follows from what the cache's items are: a cache of raw
// training keys wants 1 (taught items like its own); a cache of prototypes
// wants several. A bundle carries its own (bundle.Meta.Teach).
type LearnOpts struct {
	// Group is the most examples one taught item summarises (1: every
	// example is an item of its own, as in the paper's cache).
	Group int `json:"group"`
	// Prior is the weight a class the bundle does not hold gets, as a share
	// of the bundle's mean class weight (0 < Prior <= 1).
	Prior float64 `json:"prior"`
}

// DefaultLearnOpts: groups of 5 examples and a prior of a quarter keep
// every other class's top-1 within one standard error on two demo bundles
// (fitted the same way, with slightly different int8 scales) while a new
// class reaches about a quarter of its test images after 5 examples and
// 40% after 50. Larger groups and priors learn faster and cost the other
// classes more (docs/results/fewshot.md has the table).
var DefaultLearnOpts = LearnOpts{Group: 5, Prior: 0.25}

// With is o with the fields set (non-zero) in set replacing its own: a
// bundle's settings with a user's flags.
func (o LearnOpts) With(set LearnOpts) LearnOpts {
	if set.Group != 0 {
		o.Group = set.Group
	}
	if set.Prior != 0 {
		o.Prior = set.Prior
	}
	return o
}

// Validate refuses settings a Learner cannot use.
func (o LearnOpts) Validate() error {
	if o.Group < 1 || o.Group > MaxWeight {
		return fmt.Errorf("cache: teach group of %d examples (1 to %d)", o.Group, MaxWeight)
	}
	if !(o.Prior > 0 && o.Prior <= 1) {
		return fmt.Errorf("cache: teach prior %v outside (0, 1]", o.Prior)
	}
	return nil
}

// ErrNoRoom reports a teach budget too small to hold even the example being
// taught: the request's fault, not the board's.
var ErrNoRoom = errors.New("cache: no room")

// Learner is a cache being taught on a board: it adds taught examples as
// items (LearnOpts), keeps the cache within a byte budget by giving up the
// items Victim names, and remembers which examples each taught item holds,
// so that a teach log can be compacted to what the cache still holds.
// Like the Cache, it is not safe for use concurrent with a lookup.
type Learner struct {
	c      *Cache
	budget int
	opts   LearnOpts
	// classWeight is the bundle's mean weight per class it holds items of.
	classWeight float64
	items       []learnt // per cache item
	next        int      // the next example's id
	evicted     int
	key         []float32
}

// learnt is what the Learner knows of a cache item: for a taught item, the
// sum of its examples' keys and their ids, oldest first (never empty: an
// item goes whole); nothing for a bundle item.
type learnt struct {
	sum []float64
	ids []int
}

func (it *learnt) taught() bool { return len(it.ids) > 0 }

// NewLearner teaches c (changed in place) within budget bytes (Bytes; 0:
// what c takes now). Every item c holds now is the bundle's.
func NewLearner(c *Cache, budget int, o LearnOpts) (*Learner, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if budget == 0 {
		budget = c.Bytes()
	}
	if budget < c.Bytes() {
		return nil, fmt.Errorf("cache: teach budget of %d bytes is below what the cache already takes (%d)", budget, c.Bytes())
	}
	l := &Learner{c: c, budget: budget, opts: o, items: make([]learnt, c.Len()), key: make([]float32, c.Dim())}
	held := make([]bool, c.Classes())
	total, classes := 0.0, 0
	for i := 0; i < c.Len(); i++ {
		total += float64(c.Weight(i))
		if y := c.Label(i); !held[y] {
			held[y] = true
			classes++
		}
	}
	l.classWeight = 1
	if classes > 0 {
		l.classWeight = total / float64(classes)
	}
	return l, nil
}

// Cache is the cache being taught.
func (l *Learner) Cache() *Cache { return l.c }

// Budget is the byte budget.
func (l *Learner) Budget() int { return l.budget }

// Taught reports whether item i holds taught examples.
func (l *Learner) Taught(i int) bool { return l.items[i].taught() }

// Holds is the number of taught examples item i summarises (0: a bundle
// item).
func (l *Learner) Holds(i int) int { return len(l.items[i].ids) }

// Evicted is the number of items given up to stay within the budget.
func (l *Learner) Evicted() int { return l.evicted }

// Examples is the number of taught examples the cache holds.
func (l *Learner) Examples() int {
	n := 0
	for _, it := range l.items {
		n += len(it.ids)
	}
	return n
}

// Teach adds one example of class y (a key from Spec.Key). y may be
// Classes(), a new class: the cache grows by one class. It returns the
// example's id (0, 1, 2... in teaching order) and the ids of the taught
// examples the cache gave up to stay within its budget (the example just
// taught can be among them only when the budget holds no taught item).
func (l *Learner) Teach(key []float32, y int) (id int, dropped []int, err error) {
	c := l.c
	// Checked before anything changes: a refused key leaves no new class.
	if err := c.checkKey(key); err != nil {
		return -1, nil, err
	}
	if y < 0 || y > c.Classes() {
		return -1, nil, fmt.Errorf("cache: teach class %d of %d (one more is a new class)", y, c.Classes())
	}
	if y == c.Classes() {
		if err := c.GrowClasses(y + 1); err != nil {
			return -1, nil, err
		}
	}
	id = l.next
	l.next++
	// The class's newest taught item takes the example while it holds
	// fewer than Group; else a new item starts.
	open := -1
	for i := len(l.items) - 1; i >= 0; i-- {
		if l.items[i].taught() && c.Label(i) == y {
			open = i
			break
		}
	}
	if open >= 0 && len(l.items[open].ids) < l.opts.Group {
		it := &l.items[open]
		for j, v := range key {
			it.sum[j] += float64(v)
		}
		it.ids = append(it.ids, id)
		if err := c.setKey(open, l.mean(it.sum)); err != nil {
			return id, nil, err
		}
	} else {
		it := learnt{sum: make([]float64, len(key)), ids: []int{id}}
		for j, v := range key {
			it.sum[j] = float64(v)
		}
		if err := c.AddWeighted(l.mean(it.sum), y, 1); err != nil {
			return id, nil, err
		}
		l.items = append(l.items, it)
	}
	if err := l.reweigh(y); err != nil {
		return id, nil, err
	}
	for c.Bytes() > l.budget {
		v, err := c.Victim(l.taughtFlags())
		if err != nil {
			return id, dropped, err
		}
		if v < 0 {
			return id, dropped, fmt.Errorf("%w: the teach budget of %d bytes holds no item", ErrNoRoom, l.budget)
		}
		gone, vy := l.items[v], c.Label(v)
		dropped = append(dropped, gone.ids...)
		if err := c.Remove(v); err != nil {
			return id, dropped, err
		}
		l.items = append(l.items[:v], l.items[v+1:]...)
		l.evicted++
		// The class's weights move: its taught items share a different
		// count, or its last bundle item went.
		if err := l.reweigh(vy); err != nil {
			return id, dropped, err
		}
	}
	return id, dropped, nil
}

// mean is sum's direction as a unit key (a sum of unit keys of one class
// is never near zero; a zero sum stays zero).
func (l *Learner) mean(sum []float64) []float32 {
	var n float64
	for _, v := range sum {
		n += v * v
	}
	n = math.Sqrt(n)
	for j, v := range sum {
		if n > 0 {
			l.key[j] = float32(v / n)
		} else {
			l.key[j] = 0
		}
	}
	return l.key
}

// reweigh sets the weights of class y's taught items: 1 while the class
// has bundle items; else the class's share Prior x classWeight, split by
// the items' example counts (at least 1 each).
func (l *Learner) reweigh(y int) error {
	bundle, examples := false, 0
	for i, it := range l.items {
		if l.c.Label(i) != y {
			continue
		}
		if !it.taught() {
			bundle = true
		}
		examples += len(it.ids)
	}
	share := l.opts.Prior * l.classWeight
	for i, it := range l.items {
		if !it.taught() || l.c.Label(i) != y {
			continue
		}
		w := 1
		if !bundle {
			w = int(math.Round(share * float64(len(it.ids)) / float64(examples)))
			w = min(max(w, 1), MaxWeight)
		}
		if err := l.c.setWeight(i, w); err != nil {
			return err
		}
	}
	return nil
}

func (l *Learner) taughtFlags() []bool {
	f := make([]bool, len(l.items))
	for i, it := range l.items {
		f[i] = it.taught()
	}
	return f
}
