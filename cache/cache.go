package cache

import (
	"fmt"
	"math"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// MaxClasses is the most classes a cache can hold: labels are stored as uint16.
const MaxClasses = 1 << 16

// Cache is the memory: Len keys of Dim fp16 values, each with a class label.
// A Cache is safe for concurrent lookups (Probs, ProbsBatch) but not for
// lookups concurrent with Add.
type Cache struct {
	spec    Spec
	dim     int
	classes int
	keys    []uint16 // Len x dim fp16 bit patterns, row-major
	labels  []uint16
	// weights, when not nil, holds each item's multiplicity: an item of
	// weight w counts as w items with its key in p_cache's sums (a k-means
	// prototype standing for the w keys of its cluster). nil: all 1.
	weights []uint16

	// Theta and Lambda are the mixture's settings, kept in the file: theta
	// the inverse temperature of p_cache, lambda the weight of p_cache in the
	// mixture (1 = CacheOnly). CacheOnlyTheta is the theta tuned for the
	// cache alone (lambda 1), which is lower than the mixture's. Zero until
	// tuned or set.
	Theta, Lambda, CacheOnlyTheta float32
}

// New returns an empty cache for keys made with spec and labels 0..classes-1.
func New(spec Spec, classes int) (*Cache, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if classes < 1 || classes > MaxClasses {
		return nil, fmt.Errorf("cache: %d classes (1 to %d)", classes, MaxClasses)
	}
	return &Cache{spec: spec, dim: spec.Dim(), classes: classes}, nil
}

// Spec is the key spec every key of the cache was made with.
func (c *Cache) Spec() Spec { return c.spec }

// Dim is the length of a key.
func (c *Cache) Dim() int { return c.dim }

// Classes is the number of class labels.
func (c *Cache) Classes() int { return c.classes }

// Len is the number of items.
func (c *Cache) Len() int { return len(c.labels) }

// Grow makes room for n more items without further allocation.
func (c *Cache) Grow(n int) {
	if n <= 0 {
		return
	}
	if free := cap(c.labels) - len(c.labels); free < n {
		keys := make([]uint16, len(c.keys), len(c.keys)+n*c.dim)
		copy(keys, c.keys)
		c.keys = keys
		labels := make([]uint16, len(c.labels), len(c.labels)+n)
		copy(labels, c.labels)
		c.labels = labels
		if c.weights != nil {
			weights := make([]uint16, len(c.weights), len(c.weights)+n)
			copy(weights, c.weights)
			c.weights = weights
		}
	}
}

// MaxWeight is the largest item weight: weights are stored as uint16.
const MaxWeight = 1<<16 - 1

// Add appends one item: a key of Dim values (normally unit length, from
// Spec.Key), rounded to fp16, and its label. Amortised O(Dim).
func (c *Cache) Add(key []float32, label int) error {
	return c.AddWeighted(key, label, 1)
}

// AddWeighted is Add for an item that counts as weight items (1 to
// MaxWeight), e.g. a prototype standing for its cluster's members.
func (c *Cache) AddWeighted(key []float32, label, weight int) error {
	if weight < 1 || weight > MaxWeight {
		return fmt.Errorf("cache: item weight %d outside 1..%d", weight, MaxWeight)
	}
	if err := c.checkKey(key); err != nil {
		return err
	}
	if label < 0 || label >= c.classes {
		return fmt.Errorf("cache: label %d outside 0..%d", label, c.classes-1)
	}
	for _, v := range key {
		c.keys = append(c.keys, f16.Encode(v))
	}
	if weight != 1 {
		c.weigh()
	}
	if c.weights != nil {
		c.weights = append(c.weights, uint16(weight))
	}
	c.labels = append(c.labels, uint16(label))
	return nil
}

// checkKey refuses a key the cache cannot store: the wrong length, or a
// value fp16 cannot hold (its largest finite value is 65504; keys are unit
// vectors).
func (c *Cache) checkKey(key []float32) error {
	if len(key) != c.dim {
		return fmt.Errorf("cache: key of %d values, want %d", len(key), c.dim)
	}
	for i, v := range key {
		if !finite(v) || math.Abs(float64(v)) > 65504 {
			return fmt.Errorf("cache: key value %d is %v (fp16 cannot hold it)", i, v)
		}
	}
	return nil
}

// weigh makes the cache store weights (1 for every item so far): from the
// first item of another weight on.
func (c *Cache) weigh() {
	if c.weights != nil {
		return
	}
	c.weights = make([]uint16, len(c.labels), cap(c.labels))
	for i := range c.weights {
		c.weights[i] = 1
	}
}

// Weight is item i's multiplicity (1 unless added with AddWeighted).
func (c *Cache) Weight(i int) int {
	if c.weights == nil {
		return 1
	}
	return int(c.weights[i])
}

// Weighted reports whether any item has a weight other than 1 stored.
func (c *Cache) Weighted() bool { return c.weights != nil }

// Key returns item i's key as float32 (exactly its stored fp16 values),
// appended to dst[:0].
func (c *Cache) Key(dst []float32, i int) []float32 {
	if cap(dst) < c.dim {
		dst = make([]float32, c.dim)
	}
	dst = dst[:c.dim]
	f16to32(kernels, dst, c.keys[i*c.dim:(i+1)*c.dim])
	return dst
}

// KeyBits is item i's key as stored: Dim fp16 bit patterns (IEEE 754
// binary16). It shares the cache's memory and must not be modified; the
// host's similarity scan (cache/host) reads keys this way without converting
// them.
func (c *Cache) KeyBits(i int) []uint16 { return c.keys[i*c.dim : (i+1)*c.dim : (i+1)*c.dim] }

// Label is item i's class.
func (c *Cache) Label(i int) int { return int(c.labels[i]) }

// Bytes counts every byte a board holds to run lookups with this cache; see
// Footprint.
func (c *Cache) Bytes() int { return Footprint(c.spec, c.classes, c.Len(), c.weights != nil) }

// Footprint is the board memory of a cache of items keys made with spec: the
// fp16 keys, the uint16 labels (and a uint16 weight per item when weighted),
// the projection (fp16 matrix and float32 mean) and a lookup's Scratch (the
// pooled raw key, one block of similarities that first holds the
// projection's gathered values, the per-class sums and one query key). The
// file's header and checksum stay on disk. A fit can size variants with it
// before building them.
func Footprint(spec Spec, classes, items int, weighted bool) int {
	dim := spec.Dim()
	n := 2*items*dim + 2*items
	if weighted {
		n += 2 * items
	}
	if p := spec.Proj; p != nil {
		n += 2*len(p.WT) + 4*len(p.Mean)
	}
	n += 4 * spec.rawScratch()
	return n + lookupScratch(classes, dim)
}

// lookupScratch is the memory of a lookup's Scratch besides its raw values:
// the block (similarities, or the projection's gathered terms), the class
// sums and the key.
func lookupScratch(classes, dim int) int {
	return 4*lookupBlock + 8*classes + 4*dim
}
