package dataset

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/edgecache/edgecache/model"
)

// Batch is a run of consecutive images of a set: images Start .. Start+N-1,
// their pixels (N*model.InputLen values, image after image) and labels.
type Batch struct {
	Start  int
	N      int
	Pixels []float32
	Labels []int
}

// Batches calls fn with the set's images in order, size at a time (the last
// batch may be shorter), while workers goroutines decode the following
// batches (workers < 1 means runtime.GOMAXPROCS). Order and contents do not
// depend on workers.
//
// The batch's slices are reused: they are valid only until fn returns; copy
// what must outlive the call. fn runs on the calling goroutine, one call at a
// time. The first error stops the stream and is returned: a load error (it
// names the file), fn's error, or ctx's error when it is cancelled. Batches
// returns only after every worker has stopped.
func (s *Set) Batches(ctx context.Context, size, workers int, fn func(b Batch) error) error {
	if size < 1 {
		return fmt.Errorf("dataset: batch size %d, want at least 1", size)
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	count := (s.Len() + size - 1) / size
	workers = min(workers, count)
	if count == 0 {
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		b    *Batch
		done chan error
	}
	// One buffer per worker plus the one fn holds, so decoding never waits
	// for fn unless every worker is ahead by a batch.
	free := make(chan *Batch, workers+1)
	for range workers + 1 {
		free <- &Batch{Pixels: make([]float32, size*model.InputLen), Labels: make([]int, size)}
	}
	jobs := make(chan job)
	order := make(chan job, workers+1) // at most workers+1 batches are out
	var wg sync.WaitGroup

	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		for k := range count {
			var b *Batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.Start = k * size
			b.N = min(size, s.Len()-b.Start)
			j := job{b: b, done: make(chan error, 1)}
			order <- j // never blocks: the channel holds as many as there are buffers
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.done <- s.fill(ctx, j.b)
			}
		})
	}

	err := func() error {
		for j := range order {
			var err error
			select {
			case err = <-j.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err != nil {
				return err
			}
			// A decoded batch may be ready when ctx is cancelled: stop
			// anyway, the caller asked for no more calls.
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(*j.b); err != nil {
				return err
			}
			free <- j.b
		}
		return ctx.Err()
	}()
	cancel()
	wg.Wait()
	return err
}

// fill loads batch b's images, stopping early when ctx is cancelled.
func (s *Set) fill(ctx context.Context, b *Batch) error {
	b.Pixels = b.Pixels[:b.N*model.InputLen]
	b.Labels = b.Labels[:b.N]
	for k := range b.N {
		if err := ctx.Err(); err != nil {
			return err
		}
		i := b.Start + k
		if err := s.Load(i, b.Pixels[k*model.InputLen:(k+1)*model.InputLen]); err != nil {
			return err
		}
		b.Labels[k] = s.Label(i)
	}
	return nil
}
