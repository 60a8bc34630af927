package fewshot

import (
	"context"
	"fmt"
	"runtime"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
	"github.com/edgecache/edgecache/tools/keys"
)

// Encoded is what the int8 network makes of a list of images, once: the
// cache key of each (Dim values) and the network's softmax (NetClasses
// values), with the true labels.
type Encoded struct {
	Dim, NetClasses int
	Keys            []float32
	PNet            []float32
	Labels          []int
}

// Len is the number of images.
func (e *Encoded) Len() int { return len(e.Labels) }

// Key is image i's key.
func (e *Encoded) Key(i int) []float32 { return e.Keys[i*e.Dim : (i+1)*e.Dim] }

// Net is image i's network distribution.
func (e *Encoded) Net(i int) []float32 { return e.PNet[i*e.NetClasses : (i+1)*e.NetClasses] }

// EncodeOptions says how to run the network.
type EncodeOptions struct {
	// Threads is the number of forward passes at once (GOMAXPROCS when 0);
	// Batch the images per pass (32 when 0).
	Threads, Batch int
	// Progress, if not nil, is called with the images done and the total.
	Progress func(done, total int)
}

// Encode runs the images idx of set through the int8 network m, as the
// board does (its quant.Runner, the taps spec's keys are made of), and keeps
// each image's key (spec.Key: the board's key function) and softmax.
func Encode(ctx context.Context, m *quant.Model, spec cache.Spec, set keys.Images, idx []int, o EncodeOptions) (*Encoded, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var names []string
	for _, t := range spec.Taps {
		names = append(names, t.Name)
	}
	if o.Batch < 1 {
		o.Batch = 32
	}
	if o.Threads < 1 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	engines := make([]keys.Engine, o.Threads)
	for i := range engines {
		r, err := m.NewRunner(o.Batch, names...)
		if err != nil {
			return nil, fmt.Errorf("fewshot: %w", err)
		}
		engines[i] = r
	}
	classes := m.Classes
	dim := spec.Dim()
	e := &Encoded{Dim: dim, NetClasses: classes, Keys: make([]float32, len(idx)*dim),
		PNet: make([]float32, len(idx)*classes), Labels: make([]int, len(idx))}
	taps := make([][]float32, len(spec.Taps))
	var progress func(int)
	if o.Progress != nil {
		progress = func(done int) { o.Progress(done, len(idx)) }
	}
	err := keys.Run(ctx, set, engines, keys.RunOptions{Indices: idx, Batch: o.Batch}, progress, func(c keys.Chunk) error {
		for i := 0; i < c.N; i++ {
			for t, ts := range spec.Taps {
				n := ts.C * ts.H * ts.W
				taps[t] = c.Engine.Tap(ts.Name)[i*n : (i+1)*n]
			}
			j := c.Start + i
			if err := spec.Key(e.Key(j), taps); err != nil {
				return fmt.Errorf("fewshot: key of image %d: %w", idx[j], err)
			}
			model.Softmax(e.Net(j), c.Logits[i*classes:(i+1)*classes])
			e.Labels[j] = c.Labels[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Slice is images lo..hi-1 of e, sharing e's memory.
func (e *Encoded) Slice(lo, hi int) *Encoded {
	return &Encoded{Dim: e.Dim, NetClasses: e.NetClasses, Keys: e.Keys[lo*e.Dim : hi*e.Dim],
		PNet: e.PNet[lo*e.NetClasses : hi*e.NetClasses], Labels: e.Labels[lo:hi]}
}
