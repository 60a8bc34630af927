package keys

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/host"
	"github.com/edgecache/edgecache/model"
)

// Item is one image's keys and the network's prediction, handed to a sink
// in pass order (originals of a batch, then their flips).
type Item struct {
	Keys   [][]float32 // one key per spec; valid only during the call
	Label  int
	Logits []float32 // the network's output; valid only during the call
	Probs  []float32 // softmax of the logits; valid only during the call
	Flip   bool
	Source int // index into the pass's image list
}

// PassOptions says how to report a pass.
type PassOptions struct {
	// Flip adds each image's horizontal mirror image after its batch's
	// originals (the paper's cache holds every training image and its flip).
	Flip bool
	// What names the pass in Log's lines.
	What string
	// Log, if not nil, gets a line every 10% of the images and one at the
	// end with the rate.
	Log io.Writer
	// Progress, if not nil, is called with the images done and the total.
	Progress func(done, total int)
}

// Pass runs the chosen images of set (and with o.Flip their mirror images)
// through the network and calls sink with one key per spec and the
// network's probabilities, in order. The specs' taps come from the same
// forward passes.
func (n *Net) Pass(set Images, idx []int, specs []cache.Spec, o PassOptions, sink func(Item) error) error {
	return n.PassContext(context.Background(), set, idx, specs, o, sink)
}

// PassContext is Pass, stopped with ctx's error when ctx is done.
func (n *Net) PassContext(ctx context.Context, set Images, idx []int, specs []cache.Spec, o PassOptions, sink func(Item) error) error {
	per := n.batch()
	if o.Flip {
		per *= 2
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range specs {
		for _, t := range s.Taps {
			if !seen[t.Name] {
				seen[t.Name] = true
				names = append(names, t.Name)
			}
		}
	}
	engines, err := n.Engines(per, names...)
	if err != nil {
		return err
	}
	classes := n.Classes()
	taps := make([][][]float32, len(specs))
	keys := make([][]float32, len(specs))
	for s, spec := range specs {
		taps[s] = make([][]float32, len(spec.Taps))
		keys[s] = make([]float32, spec.Dim())
	}
	probs := make([]float32, classes)
	start := time.Now()
	next := 0
	progress := func(done int) {
		if o.Progress != nil {
			o.Progress(done, len(idx))
		}
		if o.Log != nil && len(idx) > 0 && done*10/len(idx) > next {
			next = done * 10 / len(idx)
			fmt.Fprintf(o.Log, "%s: %d/%d images, %.0f images/s\n", o.What, done, len(idx), float64(done)/time.Since(start).Seconds())
		}
	}
	err = Run(ctx, set, engines, RunOptions{Indices: idx, Batch: n.batch(), Flip: o.Flip}, progress, func(c Chunk) error {
		for i := 0; i < c.N; i++ {
			for s, spec := range specs {
				for t, ts := range spec.Taps {
					m := ts.C * ts.H * ts.W
					taps[s][t] = c.Engine.Tap(ts.Name)[i*m : (i+1)*m]
				}
				if err := spec.Key(keys[s], taps[s]); err != nil {
					return err
				}
			}
			logits := c.Logits[i*classes : (i+1)*classes]
			model.Softmax(probs, logits)
			it := Item{Keys: keys, Label: c.Labels[i], Logits: logits, Probs: probs, Flip: i >= c.Originals, Source: c.Start + i%c.Originals}
			if err := sink(it); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && o.Log != nil {
		el := time.Since(start)
		nk := len(idx)
		if o.Flip {
			nk *= 2
		}
		fmt.Fprintf(o.Log, "%s: %d keys from %d images in %v (%.0f images/s)\n", o.What, nk, len(idx), el.Round(time.Second), float64(len(idx))/el.Seconds())
	}
	return err
}

// Queries are keys of one spec kept as scored queries, with where each came
// from.
type Queries struct {
	host.Queries
	Sources []int  // position of each key's image in the pass
	Flips   []bool // whether each key is of a mirrored image
}

// Add appends one query.
func (q *Queries) Add(key []float32, label int, probs []float32, source int, flip bool) {
	q.Keys = append(q.Keys, key...)
	q.Labels = append(q.Labels, label)
	q.Probs = append(q.Probs, probs...)
	q.Sources = append(q.Sources, source)
	q.Flips = append(q.Flips, flip)
}

// Key is query i's key (a slice into q).
func (q *Queries) Key(i int) []float32 { return q.Keys[i*q.Dim : (i+1)*q.Dim] }

// NewQueries returns empty queries of spec's keys with room for n.
func NewQueries(spec cache.Spec, classes, n int) *Queries {
	q := &Queries{Queries: host.Queries{Dim: spec.Dim(), Classes: classes}}
	q.Keys = make([]float32, 0, n*q.Dim)
	q.Labels = make([]int, 0, n)
	q.Probs = make([]float32, 0, n*classes)
	return q
}

// Collect runs a pass and keeps every key of spec as a query.
func (n *Net) Collect(set Images, idx []int, spec cache.Spec, o PassOptions) (*Queries, error) {
	return n.CollectContext(context.Background(), set, idx, spec, o)
}

// CollectContext is Collect, stopped with ctx's error when ctx is done.
func (n *Net) CollectContext(ctx context.Context, set Images, idx []int, spec cache.Spec, o PassOptions) (*Queries, error) {
	m := len(idx)
	if o.Flip {
		m *= 2
	}
	q := NewQueries(spec, n.Classes(), m)
	err := n.PassContext(ctx, set, idx, []cache.Spec{spec}, o, func(it Item) error {
		q.Add(it.Keys[0], it.Label, it.Probs, it.Source, it.Flip)
		return nil
	})
	return q, err
}

// Fill runs a pass and adds every key to c.
func (n *Net) Fill(c *cache.Cache, set Images, idx []int, o PassOptions) error {
	m := len(idx)
	if o.Flip {
		m *= 2
	}
	c.Grow(m)
	return n.Pass(set, idx, []cache.Spec{c.Spec()}, o, func(it Item) error { return c.Add(it.Keys[0], it.Label) })
}
