package quant

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/edgecache/edgecache/quant/internal/kernel"
)

// maxThreads bounds SetThreads: more goroutines than a board has cores only
// add hand-over costs.
const maxThreads = 64

// A team splits the work of one image across goroutines: each convolution's
// units (convPlan: one or two output rows, or runs of 16 pixels) and each
// residual ADD's bytes, in contiguous ranges, one per member. Member 0 is
// the calling goroutine. Every output byte is computed by the same code
// whatever the split, so results are bit-exact with one thread.
//
// A frame hands work over about 30 times (each convolution; an ADD rides
// with the convolution before it, on the rows each member just wrote), a
// few microseconds apart, and waking a parked goroutine costs microseconds
// too: that made two threads slower than one on an idle second core. So a
// member polls its start channel (yielding with runtime.Gosched) for up to
// spinFor after each job before blocking on it, and the caller polls the
// done channel the same way. The hand-over stays a channel send, so the
// runtime's locks order it; a receive that finds the token waiting wakes
// nobody.
//
// The members hold the team, never the Runner, so that a Runner nobody
// references can be collected; its cleanup (SetThreads) closes the start
// channels and the members return.
type team struct {
	n       int
	start   []chan struct{} // one token per job, buffered
	done    chan struct{}   // one token per member and job, buffered
	stopped sync.Once

	// The job: a convolution plan, an ADD, or both (the ADD on the rows
	// each member computed).
	conv               *convPlan
	cols               [][]uint8 // each member's im2col buffer
	add                *kernel.Add
	addDst, addX, addY *act
}

// spinFor bounds how long a member (or the caller) polls before blocking:
// longer than the gaps between one frame's jobs, short enough that an idle
// team gives its cores back within a fraction of a millisecond.
const spinFor = 20 * time.Microsecond

func newTeam(n, colLen int) *team {
	t := &team{n: n, start: make([]chan struct{}, n), cols: make([][]uint8, n), done: make(chan struct{}, n)}
	for i := range n {
		t.cols[i] = make([]uint8, colLen)
		if i > 0 {
			t.start[i] = make(chan struct{}, 1)
			go t.member(i)
		}
	}
	return t
}

func (t *team) member(i int) {
	for receive(t.start[i]) {
		t.part(i)
		t.done <- struct{}{}
	}
}

// receive takes a token from c, polling for up to spinFor before blocking;
// false when c is closed.
func receive(c chan struct{}) bool {
	var since time.Time
	for tries := 1; ; tries++ {
		select {
		case _, ok := <-c:
			return ok
		default:
		}
		if tries%64 == 0 {
			if since.IsZero() {
				since = time.Now()
			} else if time.Since(since) > spinFor {
				_, ok := <-c
				return ok
			}
			runtime.Gosched()
		}
	}
}

// close stops the members; a second call (SetThreads, then the Runner's
// cleanup) does nothing.
func (t *team) close() {
	t.stopped.Do(func() {
		for _, c := range t.start[1:] {
			close(c)
		}
	})
}

// span is member i's share of units: contiguous, sizes differing by at most
// one.
func (t *team) span(i, units int) (lo, hi int) {
	return units * i / t.n, units * (i + 1) / t.n
}

func (t *team) part(i int) {
	if p := t.conv; p != nil {
		lo, hi := t.span(i, p.units)
		p.part(lo, hi, t.cols[i])
		if t.add != nil {
			// The ADD over this member's rows (gridRows plans write rows
			// straight into dst).
			addRows(t.add, lo*p.gridRows, hi*p.gridRows, t.addDst, t.addX, t.addY)
		}
		return
	}
	lo, hi := t.span(i, t.addDst.h)
	addRows(t.add, lo, hi, t.addDst, t.addX, t.addY)
}

// run has every member do its part of the current job and waits for them.
func (t *team) run() {
	for _, c := range t.start[1:] {
		c <- struct{}{}
	}
	t.part(0)
	for range t.n - 1 {
		receive(t.done)
	}
}

func (t *team) runConv(p *convPlan) {
	t.conv = p
	t.run()
	t.conv = nil
	p.finish()
}

// runConvAdd is runConv followed by the ADD dst = a(x, y), x being p's
// output, in one hand-over when the plan writes whole rows to its dst (as
// it does on VNNI cores), in two otherwise.
func (t *team) runConvAdd(p *convPlan, a *kernel.Add, dst, x, y *act) {
	if p.gridRows == 0 {
		t.runConv(p)
		t.runAdd(a, dst, x, y)
		return
	}
	t.conv, t.add, t.addDst, t.addX, t.addY = p, a, dst, x, y
	t.run()
	t.conv, t.add, t.addDst, t.addX, t.addY = nil, nil, nil, nil, nil
}

// runAdd splits the ADD by rows: rows of a CIFAR ResNet's images are 512
// bytes, whole cache lines, so members never write the same line.
func (t *team) runAdd(a *kernel.Add, dst, x, y *act) {
	t.add, t.addDst, t.addX, t.addY = a, dst, x, y
	t.run()
	t.add, t.addDst, t.addX, t.addY = nil, nil, nil, nil
}

// SetThreads makes Run split each image's convolutions and residual ADDs
// across n goroutines (n >= 1; 1, the default, runs everything on the
// caller's goroutine). Results are bit-exact whatever n. It is meant for
// batch 1 on a multi-core board, where one frame's latency is what counts;
// for throughput, one Runner per core does better (no hand-overs). The
// goroutines are stopped when the Runner is garbage collected or on the
// next SetThreads.
func (r *Runner) SetThreads(n int) error {
	if n < 1 || n > maxThreads {
		return fmt.Errorf("quant: %d threads, want 1 to %d", n, maxThreads)
	}
	if r.team != nil {
		r.stopTeam.Stop()
		r.team.close()
		r.team = nil
	}
	if n > 1 {
		r.team = newTeam(n, len(r.col))
		r.stopTeam = runtime.AddCleanup(r, func(t *team) { t.close() }, r.team)
	}
	return nil
}

// Threads is the number of goroutines each image's work is split across.
func (r *Runner) Threads() int {
	if r.team == nil {
		return 1
	}
	return r.team.n
}
