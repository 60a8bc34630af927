package dataset

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/model/modeltest"
)

// labelSource is a source of labels only, for the split arithmetic.
type labelSource []int

func (s labelSource) len() int                  { return len(s) }
func (s labelSource) label(i int) int           { return s[i] }
func (s labelSource) name(i int) string         { return "" }
func (s labelSource) load(int, []float32) error { return nil }

func TestHoldout(t *testing.T) {
	// Class sizes 25, 14, 0, 1: quotas 2, 1, 0, 0 by floor; N/10 = 4, so
	// one more goes to the largest remainder: class 0 (5) over 1 (4), 3 (1).
	var labels labelSource
	for c, k := range []int{25, 14, 0, 1} {
		for range k {
			labels = append(labels, c)
		}
	}
	// Mix the classes so that "last in order" means something.
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	held := holdout(labels, 4)
	count := make([]int, 4)
	last := make([]int, 4)
	for i, h := range held {
		if h {
			count[labels[i]]++
		} else {
			last[labels[i]] = i
		}
	}
	if !slices.Equal(count, []int{3, 1, 0, 0}) {
		t.Errorf("held per class %v, want [3 1 0 0]", count)
	}
	for i, h := range held {
		if h && i < last[labels[i]] {
			t.Errorf("image %d is held out but a later image of class %d is not", i, labels[i])
		}
	}

	// Balanced: exactly a tenth of each class.
	var even labelSource
	for i := range 5000 {
		even = append(even, i%10)
	}
	held = holdout(even, 10)
	n := 0
	for i, h := range held {
		if h {
			n++
			if i < 4500 {
				t.Fatalf("image %d held out; want the last 500 per class", i)
			}
		}
	}
	if n != 500 {
		t.Errorf("%d held out of 5000", n)
	}
}

// TestValShipped: the 4,000-record binary file gives 400 validation
// images, the largest-remainder rounding of 10% of each class.
func TestValShipped(t *testing.T) {
	val, err := Open(filepath.Join(modeltest.DataDir(t), "cifar10"), "val")
	if err != nil {
		t.Fatal(err)
	}
	count := make([]int, 10)
	for i := range val.Len() {
		count[val.Label(i)]++
	}
	// Class sizes 396 366 420 384 422 393 414 385 407 413 (numpy bincount):
	// floors 39 36 42 38 42 39 41 38 40 41 = 396, and the four largest
	// remainders (class 8: 7, 0: 6, 1: 6, 7: 5) get one more.
	if want := []int{40, 37, 42, 38, 42, 39, 41, 39, 41, 41}; !slices.Equal(count, want) {
		t.Errorf("val per class %v, want %v", count, want)
	}
	if val.Name(val.Len()-1) != "data_batch_1.bin#3999" {
		t.Errorf("last val image %s", val.Name(val.Len()-1))
	}
}
