package fewshot

import (
	"context"
	"fmt"

	"github.com/edgecache/edgecache/cache"
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
// each image's key (spec.Key: the board's key function) and softmax: the
// host tools' one network-to-keys pass (tools/keys) on the int8 network.
func Encode(ctx context.Context, m *quant.Model, spec cache.Spec, set keys.Images, idx []int, o EncodeOptions) (*Encoded, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	n := &keys.Net{Int8: m, Batch: o.Batch, Threads: o.Threads}
	q, err := n.CollectContext(ctx, set, idx, spec, keys.PassOptions{Progress: o.Progress})
	if err != nil {
		return nil, fmt.Errorf("fewshot: %w", err)
	}
	return &Encoded{Dim: q.Dim, NetClasses: q.Classes, Keys: q.Keys, PNet: q.Probs, Labels: q.Labels}, nil
}

// Slice is images lo..hi-1 of e, sharing e's memory.
func (e *Encoded) Slice(lo, hi int) *Encoded {
	return &Encoded{Dim: e.Dim, NetClasses: e.NetClasses, Keys: e.Keys[lo*e.Dim : hi*e.Dim],
		PNet: e.PNet[lo*e.NetClasses : hi*e.NetClasses], Labels: e.Labels[lo:hi]}
}
