package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
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
// The cache's own cache.Learner turns examples into items (the mean key of
// up to a group of a class's examples) and keeps the budget (cache.Victim):
// when an example would take the cache past it, the board gives up an item
// of its bundle from the class holding the most items; examples taught on
// the board go only once no bundle item is left, oldest first, and the log
// is then compacted to what is left. Replaying the compacted log rebuilds
// the same items: groups form in teaching order, and only whole items go.
type teacher struct {
	cl     *bundle.Classifier
	mem    *cache.Cache
	learn  *cache.Learner
	log    *journal.Log
	logger *log.Logger
	counts func([]status.ClassCount) // status page counts, or nil

	reqs chan *teachReq

	// Owned by the frame loop.
	cur  *teachReq
	live []liveRecord // the log's records still in the cache, in order
	key  []float32
}

// liveRecord is a logged example and its id in the Learner.
type liveRecord struct {
	id  int
	rec journal.Record
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
func newTeacher(cl *bundle.Classifier, path string, budget int, lo cache.LearnOpts, opts *journal.Opts, logger *log.Logger) (*teacher, error) {
	b := cl.Bundle()
	mem := b.Cache
	if mem == nil {
		return nil, errors.New("teach: the bundle has no cache to teach")
	}
	learn, err := cache.NewLearner(mem, budget, lo)
	if err != nil {
		return nil, fmt.Errorf("teach: %w", err)
	}
	lg, rep, err := journal.Open(path, journal.Header{Bundle: journal.ID(b.ID), Dim: mem.Dim()}, opts)
	if err != nil {
		return nil, fmt.Errorf("teach log: %w", err)
	}
	t := &teacher{cl: cl, mem: mem, learn: learn, log: lg, logger: logger,
		reqs: make(chan *teachReq, 16), key: make([]float32, mem.Dim())}
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
		if err := lg.Compact(t.records()); err != nil {
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
	rec := journal.Record{Class: req.res.Class, Name: req.label, Weight: 1, Time: time.Now(), Key: t.key}
	// The log first: an example counts as taught once it is on disk.
	if err := t.log.Append(rec); err != nil {
		t.finish(fmt.Errorf("teach log: %w", err))
		return
	}
	rec.Key = append([]float32(nil), t.key...)
	evicted, err := t.add(rec)
	if err == nil && evicted {
		err = t.log.Compact(t.records())
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

// add puts a taught example in the cache; the Learner gives up items
// while the cache is over its budget. It reports whether taught examples
// were given up (the log then holds more than the cache).
func (t *teacher) add(r journal.Record) (bool, error) {
	id, dropped, err := t.learn.Teach(r.Key, r.Class)
	if errors.Is(err, cache.ErrNoRoom) {
		// The user's budget, not the board, is at fault.
		return false, fmt.Errorf("%w: %v", status.ErrRejected, err)
	}
	if err != nil {
		return false, err
	}
	t.live = append(t.live, liveRecord{id: id, rec: r})
	if len(dropped) == 0 {
		return false, nil
	}
	gone := make(map[int]bool, len(dropped))
	for _, id := range dropped {
		gone[id] = true
	}
	t.live = slices.DeleteFunc(t.live, func(l liveRecord) bool { return gone[l.id] })
	return true, nil
}

// records is what the compacted log holds: the examples still in the cache.
func (t *teacher) records() []journal.Record {
	out := make([]journal.Record, len(t.live))
	for i, l := range t.live {
		out[i] = l.rec
	}
	return out
}

// classCounts is the number of cache items per class and of the examples
// taught on the board that they hold.
func (t *teacher) classCounts() []status.ClassCount {
	counts := make([]status.ClassCount, len(t.cl.Labels()))
	for y, name := range t.cl.Labels() {
		counts[y].Label = name
	}
	for i := 0; i < t.mem.Len(); i++ {
		y := t.mem.Label(i)
		counts[y].Items++
		counts[y].Taught += t.learn.Holds(i)
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
