package bundle

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant"
)

// Classifier is the board's path for one frame: frame to tensor (the
// bundle's preprocessing), the int8 network, the cache lookup and the
// mixture. The board program, `edgecache predict -bundle`, the few-shot
// study and the instruction counts all classify through it, so a figure
// measured on the host is the board's.
// It owns every buffer, so classifying allocates nothing past the JPEG
// decoder's planes; it is not safe for concurrent use.
type Classifier struct {
	b       *Bundle
	labels  []string // the bundle's classes, then those taught on the board
	conv    *frame.Converter
	run     *quant.Runner
	pixels  []float32
	taps    [][]float32
	scratch *cache.Scratch
	pNet    []float32
	pCache  []float32
	p       []float32
	out     []float32 // the last frame's final distribution: pNet or p
}

// Result is what the classifier saw in one frame. Probs is the classifier's
// own memory: it is overwritten by the next Classify.
type Result struct {
	Class int     // the final choice (network and cache mixed)
	Prob  float32 // its probability
	Net   int     // the network's own choice, before the cache
	Probs []float32
	// Per-stage time: frame to tensor, the int8 network, the cache lookup
	// and mixture (0 without a cache).
	Preprocess, Network, Cache time.Duration
}

// Ranked is one class and its probability.
type Ranked struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"`
}

// NewClassifier prepares the path for b's network and cache.
func NewClassifier(b *Bundle) (*Classifier, error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	if b.Meta.Preprocess.Size != model.InputSize {
		return nil, fmt.Errorf("bundle: preprocessing to %dx%d, the network takes %dx%d",
			b.Meta.Preprocess.Size, b.Meta.Preprocess.Size, model.InputSize, model.InputSize)
	}
	conv, err := b.Meta.Preprocess.Converter(0)
	if err != nil {
		return nil, err
	}
	m := b.Model
	c := &Classifier{b: b, labels: slices.Clone(b.Meta.Classes), conv: conv, pixels: make([]float32, conv.Len()),
		pNet: make([]float32, m.Classes), p: make([]float32, m.Classes)}
	var names []string
	if b.Cache != nil {
		for _, t := range b.Cache.Spec().Taps {
			names = append(names, t.Name)
		}
		c.taps = make([][]float32, len(names))
		c.scratch = b.Cache.NewScratch()
		c.pCache = make([]float32, m.Classes)
	}
	if c.run, err = m.NewRunner(1, names...); err != nil {
		return nil, err
	}
	return c, nil
}

// SetMaxPixels sets the largest frame the classifier takes (frame.Opts'
// MaxPixels; 0: frame.DefaultMaxPixels, which suits a board's memory). The
// host tool raises it for photos of 20 megapixels and more.
func (c *Classifier) SetMaxPixels(n int) error {
	conv, err := c.b.Meta.Preprocess.Converter(n)
	if err != nil {
		return err
	}
	c.conv = conv
	return nil
}

// SetThreads splits one frame's network across n goroutines (1 to 64; the
// result is bit for bit the one-thread result): a Pi has four cores.
func (c *Classifier) SetThreads(n int) error { return c.run.SetThreads(n) }

// Bundle is the bundle the classifier runs.
func (c *Classifier) Bundle() *Bundle { return c.b }

// Stages name the steps of Classify, in order: what Stage(i) runs.
var Stages = []string{"frame to tensor", "int8 network", "cache lookup", "mixture"}

// Stage runs step i of Classify (Stages[i]); step 0 takes f, the later ones
// what the earlier left. Classify is the four in order; instruction counts
// (tools/ort/inscount) set marks between them, on this same code.
func (c *Classifier) Stage(i int, f device.Frame) error {
	mem := c.b.Cache
	switch i {
	case 0:
		return c.conv.Pixels(c.pixels, f)
	case 1:
		logits, err := c.run.Run(c.pixels, 1)
		if err != nil {
			return err
		}
		model.Softmax(c.pNet, logits)
		c.out = c.pNet
		return nil
	case 2:
		if mem == nil {
			return nil
		}
		c.lastTaps()
		return mem.TapProbs(c.pCache, c.scratch, c.taps)
	case 3:
		if mem == nil {
			return nil
		}
		if err := cache.Mix(c.p, c.pNet, c.pCache, mem.Lambda); err != nil {
			return err
		}
		c.out = c.p
		return nil
	}
	return fmt.Errorf("bundle: no stage %d", i)
}

// Classify runs one frame through the whole path.
func (c *Classifier) Classify(f device.Frame) (Result, error) {
	var t [5]time.Time
	t[0] = time.Now()
	for i := range Stages {
		if err := c.Stage(i, f); err != nil {
			return Result{}, err
		}
		t[i+1] = time.Now()
	}
	p := c.out
	r := Result{Class: argmax(p), Net: argmax(c.pNet), Probs: p,
		Preprocess: t[1].Sub(t[0]), Network: t[2].Sub(t[1]), Cache: t[4].Sub(t[2])}
	r.Prob = p[r.Class]
	return r, nil
}

// Top returns the k most probable classes of r, most probable first.
func (c *Classifier) Top(r Result, k int) []Ranked {
	idx := make([]int, len(r.Probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return r.Probs[idx[a]] > r.Probs[idx[b]] })
	k = min(k, len(idx))
	out := make([]Ranked, k)
	for i := range out {
		y := idx[i]
		out[i] = Ranked{Class: y, Label: c.Label(y), Prob: r.Probs[y]}
	}
	return out
}

// Label is class y's name.
func (c *Classifier) Label(y int) string {
	if y >= 0 && y < len(c.labels) {
		return c.labels[y]
	}
	return fmt.Sprint(y)
}

// Labels are the class names: the bundle's, then those taught on the board.
func (c *Classifier) Labels() []string { return c.labels }

// Class is the index of the class named name, or -1.
func (c *Classifier) Class(name string) int { return slices.Index(c.labels, name) }

// AddClass adds a class the network does not know (taught on the board):
// the cache gets a label for it, and from the next frame on the mixture
// gives it the cache's share of probability. It returns the class index.
func (c *Classifier) AddClass(name string) (int, error) {
	mem := c.b.Cache
	if mem == nil {
		return -1, fmt.Errorf("bundle: a new class needs a cache: this bundle has none")
	}
	if name == "" || c.Class(name) >= 0 {
		return -1, fmt.Errorf("bundle: class name %q is empty or taken", name)
	}
	if err := mem.GrowClasses(mem.Classes() + 1); err != nil {
		return -1, err
	}
	c.labels = append(c.labels, name)
	c.pCache = make([]float32, mem.Classes())
	c.p = make([]float32, mem.Classes())
	c.scratch = mem.NewScratch()
	return len(c.labels) - 1, nil
}

// Key writes the cache key of the frame classified last into dst (the
// cache's Dim values): the item a user teaches from the current frame.
func (c *Classifier) Key(dst []float32) error {
	mem := c.b.Cache
	if mem == nil {
		return fmt.Errorf("bundle: no cache to make keys for")
	}
	if !c.lastTaps() {
		return fmt.Errorf("bundle: no frame classified yet")
	}
	return mem.Spec().Key(dst, c.taps)
}

// lastTaps points c.taps at the cache's taps of the last network run, in the
// spec's order; false before any run.
func (c *Classifier) lastTaps() bool {
	for i, t := range c.b.Cache.Spec().Taps {
		c.taps[i] = c.run.Tap(t.Name)
		if len(c.taps[i]) == 0 {
			return false
		}
	}
	return true
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
