package main

import (
	"fmt"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// classifier runs one frame through the network and the cache.
type classifier struct {
	m       *quant.Model
	mem     *cache.Cache // nil: the network alone
	run     *quant.Runner
	pixels  []float32
	taps    [][]float32
	scratch *cache.Scratch // the lookup's working memory, reused every frame
	pNet    []float32
	pCache  []float32
	p       []float32
}

// result is what the board reports for one frame.
type result struct {
	Seq    uint64  `json:"seq"`
	Name   string  `json:"name,omitempty"`
	Class  int     `json:"class"`
	Label  string  `json:"label,omitempty"`
	Prob   float32 `json:"prob"`
	Net    int     `json:"net_class"` // the network's own choice, before the cache
	Micros int64   `json:"us"`
}

func newClassifier(m *quant.Model, mem *cache.Cache) (*classifier, error) {
	cl := &classifier{m: m, mem: mem, pixels: make([]float32, model.InputLen),
		pNet: make([]float32, m.Classes), p: make([]float32, m.Classes)}
	var names []string
	if mem != nil {
		if mem.Classes() != m.Classes {
			return nil, fmt.Errorf("cache holds %d classes, the model predicts %d", mem.Classes(), m.Classes)
		}
		// The cache's taps must exist in this model with the same shapes:
		// a cache built on another network's layers is refused.
		for _, t := range mem.Spec().Taps {
			info, err := m.Tap(t.Name)
			if err != nil {
				return nil, fmt.Errorf("cache does not fit this model: %w", err)
			}
			if info.C != t.C || info.H != t.H || info.W != t.W {
				return nil, fmt.Errorf("cache does not fit this model: tap %s is %dx%dx%d here, %dx%dx%d in the cache",
					t.Name, info.C, info.H, info.W, t.C, t.H, t.W)
			}
			names = append(names, t.Name)
		}
		if mem.Theta <= 0 || mem.Lambda < 0 || mem.Lambda > 1 {
			return nil, fmt.Errorf("cache has no tuned theta/lambda (theta %v, lambda %v): run edgecache cache tune", mem.Theta, mem.Lambda)
		}
		cl.taps = make([][]float32, len(names))
		cl.scratch = mem.NewScratch()
		cl.pCache = make([]float32, m.Classes)
	}
	var err error
	cl.run, err = m.NewRunner(1, names...)
	return cl, err
}

func (cl *classifier) classify(f device.Frame) (result, error) {
	if err := model.Pixels(cl.pixels, f.Image); err != nil {
		return result{}, err
	}
	logits, err := cl.run.Run(cl.pixels, 1)
	if err != nil {
		return result{}, err
	}
	model.Softmax(cl.pNet, logits)
	p := cl.pNet
	if cl.mem != nil {
		if err := cl.lookup(); err != nil {
			return result{}, err
		}
		if err := cache.Mix(cl.p, cl.pNet, cl.pCache, cl.mem.Lambda); err != nil {
			return result{}, err
		}
		p = cl.p
	}
	r := result{Seq: f.Seq, Name: f.Name, Class: argmax(p), Net: argmax(cl.pNet)}
	r.Prob = p[r.Class]
	if r.Class < len(cl.m.Labels) {
		r.Label = cl.m.Labels[r.Class]
	}
	return r, nil
}

// lookup makes the key of the frame just run and fills pCache from the cache.
func (cl *classifier) lookup() error {
	for i, t := range cl.mem.Spec().Taps {
		cl.taps[i] = cl.run.Tap(t.Name)
	}
	return cl.mem.TapProbs(cl.pCache, cl.scratch, cl.taps)
}

func argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
