package keys

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/tools/dataset"
)

// memImages is a data set in memory: image i is seeded random pixels, its
// label i%classes; bad, if not negative, fails to load.
type memImages struct {
	n, classes, bad int
}

func (m memImages) Len() int        { return m.n }
func (m memImages) Label(i int) int { return i % m.classes }
func (m memImages) Load(i int, dst []float32) error {
	if i == m.bad {
		return errors.New("image 7: corrupt file")
	}
	r := rand.New(rand.NewPCG(uint64(i), 9))
	for j := range dst[:model.InputLen] {
		dst[j] = r.Float32()
	}
	return nil
}

func testNet(t *testing.T) *Net {
	t.Helper()
	n, err := model.Build(model.Spec{Norm: modeltest.CIFARNorm}, modeltest.RandomWeights(8, 3, false, 4))
	if err != nil {
		t.Fatal(err)
	}
	return &Net{Float: n, Batch: 4, Threads: 3}
}

// A pass hands every image (and its flip) to the sink once, in order, with
// the key the spec makes from the network's taps for that image alone and
// the softmax of its logits; batches run on several engines at once.
func TestPassMatchesSingleImages(t *testing.T) {
	k := testNet(t)
	set := memImages{n: 11, classes: 3, bad: -1}
	tap, err := k.TapSpec("layer3.0", cache.PoolAvg)
	if err != nil {
		t.Fatal(err)
	}
	spec := cache.Spec{Taps: []cache.TapSpec{tap}}
	idx := []int{10, 0, 3, 4, 5, 6, 7, 8, 9, 1, 2}
	var done []int
	q := NewQueries(spec, k.Classes(), 0)
	o := PassOptions{Flip: true, Progress: func(d, total int) {
		if total != len(idx) {
			t.Errorf("progress total %d", total)
		}
		done = append(done, d)
	}}
	err = k.Pass(set, idx, []cache.Spec{spec}, o, func(it Item) error {
		q.Add(it.Keys[0], it.Label, it.Probs, it.Source, it.Flip)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Len() != 2*len(idx) || done[len(done)-1] != len(idx) {
		t.Fatalf("%d keys for %d images (progress %v)", q.Len(), len(idx), done)
	}
	r, err := k.Float.NewRunner(1, "layer3.0")
	if err != nil {
		t.Fatal(err)
	}
	px := make([]float32, model.InputLen)
	key := make([]float32, spec.Dim())
	probs := make([]float32, k.Classes())
	seen := map[[2]int]bool{}
	for i := 0; i < q.Len(); i++ {
		src, flip := q.Sources[i], q.Flips[i]
		seen[[2]int{src, map[bool]int{false: 0, true: 1}[flip]}] = true
		if err := set.Load(idx[src], px); err != nil {
			t.Fatal(err)
		}
		if flip {
			dataset.Flip(px, px)
		}
		logits, err := r.Run(px, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := spec.Key(key, [][]float32{r.Tap("layer3.0")}); err != nil {
			t.Fatal(err)
		}
		model.Softmax(probs, logits)
		if q.Labels[i] != set.Label(idx[src]) {
			t.Fatalf("key %d: label %d, image %d has %d", i, q.Labels[i], idx[src], set.Label(idx[src]))
		}
		// Batched and single runs sum the same products in other orders.
		for j, v := range key {
			if math.Abs(float64(v-q.Key(i)[j])) > 1e-4 {
				t.Fatalf("key %d (image %d, flip %v) value %d: pass %v, alone %v", i, idx[src], flip, j, q.Key(i)[j], v)
			}
		}
		for y, p := range probs {
			if math.Abs(float64(p-q.Probs[i*k.Classes()+y])) > 1e-4 {
				t.Fatalf("key %d: probability %d %v, alone %v", i, y, q.Probs[i*k.Classes()+y], p)
			}
		}
	}
	if len(seen) != 2*len(idx) {
		t.Fatalf("%d distinct (image, flip) pairs of %d", len(seen), 2*len(idx))
	}
}

// A corrupt image stops the pass with its error; a sink's error too.
func TestPassErrors(t *testing.T) {
	k := testNet(t)
	tap, err := k.TapSpec("layer3.0", cache.PoolAvg)
	if err != nil {
		t.Fatal(err)
	}
	spec := cache.Spec{Taps: []cache.TapSpec{tap}}
	if _, err := k.Collect(memImages{n: 20, classes: 3, bad: 7}, Spread(20, 0), spec, PassOptions{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt image: %v", err)
	}
	stop := errors.New("sink says stop")
	err = k.Pass(memImages{n: 20, classes: 3, bad: -1}, Spread(20, 0), []cache.Spec{spec}, PassOptions{}, func(Item) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("sink error: %v", err)
	}
	if _, err := k.TapSpec("layer9.9", cache.PoolNone); err == nil {
		t.Fatal("unknown tap accepted")
	}
	c, err := cache.New(cache.Spec{Taps: []cache.TapSpec{{Name: "layer3.0", C: tap.C + 1, H: 8, W: 8}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Fits(c); err == nil || !strings.Contains(err.Error(), "tap layer3.0 is") {
		t.Fatalf("cache of another shape: %v", err)
	}
}

func TestSpreadAndLoad(t *testing.T) {
	if got := Spread(10, 4); len(got) != 4 || got[0] != 0 || got[1] != 2 || got[3] != 7 {
		t.Fatalf("Spread(10, 4) = %v", got)
	}
	if got := Spread(5, 0); len(got) != 5 || got[4] != 4 {
		t.Fatalf("Spread(5, 0) = %v", got)
	}
	px, labels, err := Load(memImages{n: 9, classes: 3, bad: -1}, []int{8, 2, 5}, 2)
	if err != nil || len(px) != 3*model.InputLen || labels[0] != 2 || labels[1] != 2 || labels[2] != 2 {
		t.Fatalf("Load: %d values, labels %v, %v", len(px), labels, err)
	}
	want := make([]float32, model.InputLen)
	if err := (memImages{n: 9, classes: 3, bad: -1}).Load(5, want); err != nil {
		t.Fatal(err)
	}
	for j, v := range want {
		if px[2*model.InputLen+j] != v {
			t.Fatalf("image 5 value %d: %v, want %v", j, px[2*model.InputLen+j], v)
		}
	}
	if _, _, err := Load(memImages{n: 9, classes: 3, bad: 7}, Spread(9, 0), 3); err == nil {
		t.Fatal("corrupt image loaded")
	}
}
