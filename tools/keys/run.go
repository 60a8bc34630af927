package keys

import (
	"context"
	"fmt"
	"sync"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/dataset"
)

// Engine is a network runner: the float model.Runner or the int8 quant.Runner.
type Engine interface {
	Run(pixels []float32, n int) ([]float32, error)
	Tap(name string) []float32
}

// Images is what the pipeline needs of a data set (tools/dataset.Set has it).
type Images interface {
	Len() int
	Label(i int) int
	Load(i int, dst []float32) error
}

// Chunk is one batch of results, handed to the consumer in data-set order.
// Its slices belong to the engine and are valid only during the callback.
type Chunk struct {
	Start int // position of the first image in the pass
	N     int // results in the chunk
	// Originals is how many of the N results are the images as stored; with
	// RunOptions.Flip the rest are the same images mirrored, in the same order.
	Originals int
	Labels    []int
	Logits    []float32
	Engine    Engine
}

// RunOptions says how to run a data set through the network.
type RunOptions struct {
	Indices []int // images of the set to use, in order
	Batch   int
	// Flip adds each image's mirror image to its batch (the paper's cache
	// holds every training image and its horizontal flip); engines must then
	// take batches of 2*Batch.
	Flip bool
}

// Run decodes and classifies the chosen images on len(engines) goroutines,
// each decoding its own batches (decode and compute overlap across cores), and
// calls fn for every batch in order, one at a time. progress, if not nil, is
// called (serialised) with the images done so far after each batch.
func Run(ctx context.Context, set Images, engines []Engine, o RunOptions, progress func(done int), fn func(Chunk) error) error {
	if o.Batch < 1 {
		o.Batch = 32
	}
	nBatches := (len(o.Indices) + o.Batch - 1) / o.Batch
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		turn     = sync.NewCond(&mu)
		next     int // next batch whose results go to fn
		done     int // images handed to fn
		firstErr error
		jobs     = make(chan int)
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
		turn.Broadcast()
	}
	for _, e := range engines {
		wg.Add(1)
		go func(e Engine) {
			defer wg.Done()
			per := 1
			if o.Flip {
				per = 2
			}
			pixels := make([]float32, per*o.Batch*model.InputLen)
			labels := make([]int, per*o.Batch)
			for b := range jobs {
				lo, hi := b*o.Batch, min((b+1)*o.Batch, len(o.Indices))
				n := hi - lo
				for k, idx := range o.Indices[lo:hi] {
					if err := set.Load(idx, pixels[k*model.InputLen:(k+1)*model.InputLen]); err != nil {
						fail(err)
						return
					}
					labels[k] = set.Label(idx)
				}
				if o.Flip {
					for k := 0; k < n; k++ {
						dataset.Flip(pixels[(n+k)*model.InputLen:(n+k+1)*model.InputLen], pixels[k*model.InputLen:(k+1)*model.InputLen])
						labels[n+k] = labels[k]
					}
				}
				logits, err := e.Run(pixels[:per*n*model.InputLen], per*n)
				if err != nil {
					fail(err)
					return
				}
				// Results go to fn in order; the engine is not run again
				// until fn has read its buffers.
				mu.Lock()
				for next != b && firstErr == nil {
					turn.Wait()
				}
				if firstErr != nil {
					mu.Unlock()
					return
				}
				mu.Unlock()
				if err := fn(Chunk{Start: lo, N: per * n, Originals: n, Labels: labels[:per*n], Logits: logits, Engine: e}); err != nil {
					fail(err)
					return
				}
				mu.Lock()
				next++
				done += n
				if progress != nil {
					progress(done)
				}
				mu.Unlock()
				turn.Broadcast()
			}
		}(e)
	}
	go func() {
		defer close(jobs)
		for b := 0; b < nBatches; b++ {
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	if firstErr == nil && next < nBatches {
		// The caller's context ended the run: its batches are not all
		// there, which must not pass for a finished run.
		if err := parent.Err(); err != nil {
			return fmt.Errorf("keys: %d of %d images done: %w", done, len(o.Indices), err)
		}
		return fmt.Errorf("keys: %d of %d images done", done, len(o.Indices))
	}
	return firstErr
}
