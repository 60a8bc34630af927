package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/journal"
	"github.com/edgecache/edgecache/firmware/status"
)

// teacher adds examples a user teaches to the board's cache, keeps them in
// the teach log so they survive a restart or a power cut, and keeps the
// cache within its memory budget.
//
// Requests come from other goroutines (the status page, the button); the
// frame loop does the work between frames (step), because the cache is not
// safe for a lookup concurrent with a change. A request for k examples takes
// the next k frames the board classifies, the first of them the frame after
// the request: what the camera sees when the user asks.
//
// Eviction (cache.Victim): when a new example would take the cache past its
// budget, the board gives up an item of its bundle from the class holding
// the most items; examples taught on the board go only once no bundle item
// is left, oldest first, and the log is then compacted to what is left.
type teacher struct {
	cl     *bundle.Classifier
	mem    *cache.Cache
	log    *journal.Log
	budget int
	weight int
	logger *log.Logger
	counts func([]status.ClassCount) // status page counts, or nil

	reqs chan *teachReq

	// Owned by the frame loop.
	cur    *teachReq
	taught []bool           // per cache item: taught on the board
	live   []journal.Record // the log's records still in the cache, in order
	key    []float32
}

type teachReq struct {
	ctx   context.Context
	label string
	k     int
	done  chan struct{}

	// Set by the loop before done closes.
	res status.Taught
	err error
}

// newTeacher replays the teach log at path into the cache (a log written for
// another bundle is refused) and returns a teacher that appends to it.
func newTeacher(cl *bundle.Classifier, path string, budget, weight int, opts *journal.Opts, logger *log.Logger) (*teacher, error) {
	b := cl.Bundle()
	mem := b.Cache
	if mem == nil {
		return nil, errors.New("teach: the bundle has no cache to teach")
	}
	if weight < 1 || weight > cache.MaxWeight {
		return nil, fmt.Errorf("teach: weight %d (1 to %d)", weight, cache.MaxWeight)
	}
	if budget < mem.Bytes() {
		return nil, fmt.Errorf("teach: budget %d bytes is below what the bundle's cache already takes (%d)", budget, mem.Bytes())
	}
	lg, rep, err := journal.Open(path, journal.Header{Bundle: journal.ID(b.ID), Dim: mem.Dim()}, opts)
	if err != nil {
		return nil, fmt.Errorf("teach log: %w", err)
	}
	t := &teacher{cl: cl, mem: mem, log: lg, budget: budget, weight: weight, logger: logger,
		reqs: make(chan *teachReq, 16), taught: make([]bool, mem.Len()), key: make([]float32, mem.Dim())}
	if rep.Dropped > 0 {
		logger.Printf("teach log %s: dropped a damaged tail of %d bytes (%v); %d examples kept", path, rep.Dropped, rep.Reason, len(rep.Records))
	}
	evicted := false
	for _, r := range rep.Records {
		y, err := t.class(r.Name)
		if err != nil {
			lg.Close()
			return nil, fmt.Errorf("teach log %s: %w", path, err)
		}
		if r.Class != y {
			lg.Close()
			return nil, fmt.Errorf("teach log %s: example of %q has class %d, the board has it as %d", path, r.Name, r.Class, y)
		}
		ev, err := t.add(r)
		if err != nil {
			lg.Close()
			return nil, fmt.Errorf("teach log %s: %w", path, err)
		}
		evicted = evicted || ev
	}
	if evicted {
		// Replaying gave up taught examples to stay in the budget (a
		// smaller budget than when they were taught): forget them for good.
		if err := lg.Compact(t.live); err != nil {
			lg.Close()
			return nil, err
		}
	}
	if len(rep.Records) > 0 {
		logger.Printf("teach log %s: %d taught examples restored", path, len(t.live))
	}
	return t, nil
}

// Close syncs and closes the log.
func (t *teacher) Close() error { return t.log.Close() }

// Teach implements status.Teacher: it queues the request for the frame loop
// and waits for it.
func (t *teacher) Teach(ctx context.Context, label string, k int) (status.Taught, error) {
	if k < 1 {
		k = 1
	}
	req := &teachReq{ctx: ctx, label: label, k: k, done: make(chan struct{})}
	select {
	case t.reqs <- req:
	case <-ctx.Done():
		return status.Taught{}, ctx.Err()
	default:
		return status.Taught{}, fmt.Errorf("%w: the board is busy with other teach requests", status.ErrRejected)
	}
	select {
	case <-req.done:
		return req.res, req.err
	case <-ctx.Done():
		// The loop sees the context and drops the rest of the burst; the
		// examples already added stay (they are in the log).
		return status.Taught{Label: label}, fmt.Errorf("teach %q: %w", label, ctx.Err())
	}
}

// class is the index of the class named name, added if it is new.
func (t *teacher) class(name string) (int, error) {
	if y := t.cl.Class(name); y >= 0 {
		return y, nil
	}
	return t.cl.AddClass(name)
}

// step runs between frames, after the frame just classified: it adds that
// frame to the request in progress, if any.
func (t *teacher) step() {
	if t.cur == nil {
		select {
		case t.cur = <-t.reqs:
		default:
			return
		}
		if t.cur.ctx.Err() == nil {
			// The request starts with the frame after it arrived.
			return
		}
	}
	req := t.cur
	if err := req.ctx.Err(); err != nil {
		t.finish(fmt.Errorf("teach %q: stopped after %d of %d examples: %w", req.label, req.res.Added, req.k, err))
		return
	}
	if req.res.Added == 0 {
		newClass := t.cl.Class(req.label) < 0
		y, err := t.class(req.label)
		if err != nil {
			t.finish(fmt.Errorf("%w: %v", status.ErrRejected, err))
			return
		}
		req.res = status.Taught{Label: req.label, Class: y, NewClass: newClass}
	}
	if err := t.cl.Key(t.key); err != nil {
		t.finish(err)
		return
	}
	rec := journal.Record{Class: req.res.Class, Name: req.label, Weight: t.weight, Time: time.Now(), Key: t.key}
	// The log first: an example counts as taught once it is on disk.
	if err := t.log.Append(rec); err != nil {
		t.finish(fmt.Errorf("teach log: %w", err))
		return
	}
	rec.Key = append([]float32(nil), t.key...)
	evicted, err := t.add(rec)
	if err == nil && evicted {
		err = t.log.Compact(t.live)
	}
	if err != nil {
		t.finish(err)
		return
	}
	req.res.Added++
	if req.res.Added == req.k {
		t.finish(nil)
	}
}

func (t *teacher) finish(err error) {
	// The counts first: whoever waits on done may read the status page at
	// once and must see what it taught.
	if t.counts != nil {
		t.counts(t.classCounts())
	}
	t.cur.err = err
	close(t.cur.done)
	t.cur = nil
}

// add puts a taught example in the cache, giving up items while the cache
// is over its budget. It reports whether a taught example was given up.
func (t *teacher) add(r journal.Record) (bool, error) {
	if err := t.mem.AddWeighted(r.Key, r.Class, r.Weight); err != nil {
		return false, err
	}
	t.taught = append(t.taught, true)
	t.live = append(t.live, r)
	evicted := false
	for t.mem.Bytes() > t.budget {
		v, err := t.mem.Victim(t.taught)
		if err != nil {
			return evicted, err
		}
		if v < 0 {
			return evicted, fmt.Errorf("%w: the cache budget of %d bytes holds no item", status.ErrRejected, t.budget)
		}
		if t.taught[v] {
			// Taught items keep their order in the cache: the k-th taught
			// item still there is live[k].
			k := 0
			for i := 0; i < v; i++ {
				if t.taught[i] {
					k++
				}
			}
			t.live = append(t.live[:k], t.live[k+1:]...)
			evicted = true
		}
		if err := t.mem.Remove(v); err != nil {
			return evicted, err
		}
		t.taught = append(t.taught[:v], t.taught[v+1:]...)
	}
	return evicted, nil
}

// classCounts is the number of cache items per class, taught and all.
func (t *teacher) classCounts() []status.ClassCount {
	counts := make([]status.ClassCount, len(t.cl.Labels()))
	for y, name := range t.cl.Labels() {
		counts[y].Label = name
	}
	for i := 0; i < t.mem.Len(); i++ {
		y := t.mem.Label(i)
		counts[y].Items++
		if t.taught[i] {
			counts[y].Taught++
		}
	}
	return counts
}

// button teaches one example of label each time pin goes from high to low
// (a push button to ground with the pull-up on), until ctx ends.
type edgeWaiter interface {
	WaitForEdge(timeout time.Duration) bool
}

func (t *teacher) button(ctx context.Context, pin edgeWaiter, label string, wg *sync.WaitGroup) {
	defer wg.Done()
	for ctx.Err() == nil {
		// A bounded wait, so the goroutine notices the end of ctx.
		if !pin.WaitForEdge(200 * time.Millisecond) {
			continue
		}
		res, err := t.Teach(ctx, label, 1)
		if err != nil {
			if ctx.Err() == nil {
				t.logger.Printf("button: teach %q: %v", label, err)
			}
			continue
		}
		t.logger.Printf("button: taught an example of %q (class %d)", res.Label, res.Class)
		// Debounce: a press bounces for a few milliseconds.
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}
