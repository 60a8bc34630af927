package cache

// Scratch is the working memory of one board lookup (Cache.TapProbs): the
// query key, the pooled taps, the projection's gathered non-zero values, and
// the scan's block of similarities and class sums. A board's loop makes one
// with NewScratch and reuses it for every frame, so a frame allocates
// nothing; Footprint counts its bytes. One goroutine uses it at a time.
type Scratch struct {
	keyScratch
	key  []float32
	sims []float32
	sums []float64
}

// NewScratch makes the working memory of TapProbs on c. It stays valid as
// items are added (the key length and class count do not change).
func (c *Cache) NewScratch() *Scratch {
	return &Scratch{
		keyScratch: c.spec.newKeyScratch(),
		key:        make([]float32, c.dim),
		sims:       make([]float32, lookupBlock),
		sums:       make([]float64, c.classes),
	}
}

// keyScratch is the working memory of making one key: raw holds the pooled
// taps (whole taps are read where they are), or with a centred projection the
// whole raw key minus the mean; idx and xs gather the raw key's non-zero
// values for the projection.
type keyScratch struct {
	raw []float32
	idx [projectChunk]int32
	xs  [projectChunk]float32
}

func (s Spec) newKeyScratch() keyScratch {
	return keyScratch{raw: make([]float32, s.rawScratch())}
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

// scratchBytes is the board memory of a Scratch for spec (the key and the
// scan's scratch are lookupScratch's).
func (s Spec) scratchBytes() int {
	if s.Proj == nil {
		return 0
	}
	return 4*s.rawScratch() + 8*projectChunk
}
