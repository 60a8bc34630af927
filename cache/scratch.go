package cache

import "unsafe"

// Scratch is the working memory of one board lookup (Cache.TapProbs): the
// query key, the pooled taps, the projection's gathered non-zero values, and
// the scan's block of similarities and class sums. A board's loop makes one
// with NewScratch and reuses it for every frame, so a frame allocates
// nothing; Footprint counts its bytes. One goroutine uses it at a time.
type Scratch struct {
	keyScratch
	key  []float32
	sums []float64
}

// NewScratch makes the working memory of TapProbs on c. It stays valid as
// items are added (the key length and class count do not change).
func (c *Cache) NewScratch() *Scratch {
	return &Scratch{
		keyScratch: c.spec.newKeyScratch(),
		key:        make([]float32, c.dim),
		sums:       make([]float64, c.classes),
	}
}

// keyScratch is the working memory of making one key: raw holds the pooled
// taps (whole taps are read where they are), or with a centred projection the
// whole raw key minus the mean; xs and idx gather the raw key's non-zero
// values and their positions for the projection. They share block with the
// scan's similarities, which are not live while a key is made: a lookup's
// fixed scratch stays one block.
type keyScratch struct {
	raw   []float32
	block []float32 // lookupBlock values: xs, then idx; or the similarities
	xs    []float32
	idx   []int32
}

func (s Spec) newKeyScratch() keyScratch {
	block := make([]float32, lookupBlock)
	return keyScratch{
		raw:   make([]float32, s.rawScratch()),
		block: block,
		xs:    block[:projectChunk:projectChunk],
		// The positions live in the block's second half: an int32 has a
		// float32's size and alignment, and neither holds pointers.
		idx: unsafe.Slice((*int32)(unsafe.Pointer(&block[projectChunk])), projectChunk),
	}
}

// rawScratch is how many raw values a key needs room for besides its taps:
// none without a projection (the key itself holds the raw key), every value
// for a centred projection, else those of the pooled taps.
func (s Spec) rawScratch() int {
	switch {
	case s.Proj == nil:
		return 0
	case s.Proj.Mean != nil:
		return s.RawDim()
	}
	n := 0
	for _, t := range s.Taps {
		if t.Pool != PoolNone {
			n += t.Len()
		}
	}
	return n
}
