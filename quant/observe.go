package quant

import (
	"fmt"
	"math"
)

// observer records the distribution of one tensor's values over the
// calibration images: its exact minimum and maximum, and a histogram for
// percentiles. The histogram's buckets are the top 16 bits of the float32
// encoding (sign, exponent, 7 mantissa bits), so it needs one pass, no prior
// range, and places every percentile within 2^-7 (0.8 %) relative of the
// exact value; 99.99 % clipping is a heuristic far coarser than that.
type observer struct {
	min, max float32
	count    uint64
	pos, neg [1 << 15]uint64 // by magnitude: key = bits(|v|) >> 16
	bad      bool            // saw NaN or Inf
}

func newObserver() *observer {
	return &observer{min: float32(math.Inf(1)), max: float32(math.Inf(-1))}
}

func (o *observer) add(xs []float32) {
	for _, v := range xs {
		if !finite32(v) {
			o.bad = true
			continue
		}
		o.min, o.max = min(o.min, v), max(o.max, v)
		b := math.Float32bits(v)
		if v < 0 {
			o.neg[(b&0x7fffffff)>>16]++
		} else {
			o.pos[(b&0x7fffffff)>>16]++ // masks the sign of -0
		}
	}
	o.count += uint64(len(xs))
}

// bucketTop is the largest magnitude bucket key holds.
func bucketTop(key int) float64 {
	return float64(math.Float32frombits(uint32(key)<<16 | 0xffff))
}

// rangeAt returns the tensor's range: the exact min and max when pct is 0
// or 100, otherwise the (100-pct)th and pct-th percentiles, each taken at the
// outer edge of its histogram bucket (so clipping never cuts inside a bucket)
// and never beyond the exact min and max.
func (o *observer) rangeAt(pct float64) (lo, hi float64, err error) {
	if o.bad {
		return 0, 0, fmt.Errorf("quant: calibration produced NaN or infinite activations")
	}
	if o.count == 0 {
		return 0, 0, fmt.Errorf("quant: no calibration values")
	}
	lo, hi = float64(o.min), float64(o.max)
	if pct == 0 || pct == 100 {
		return lo, hi, nil
	}
	// Values ranked below `tail` at either end are clipped.
	tail := uint64(float64(o.count) * (100 - pct) / 100)
	// From the top: positive buckets by falling magnitude, then negative by rising.
	var seen uint64
	hi, done := math.Inf(-1), false
	for k := len(o.pos) - 1; k >= 0 && !done; k-- {
		if seen += o.pos[k]; seen > tail {
			hi, done = bucketTop(k), true
		}
	}
	for k := 0; k < len(o.neg) && !done; k++ {
		if seen += o.neg[k]; seen > tail {
			hi, done = -float64(math.Float32frombits(uint32(k)<<16)), true
		}
	}
	seen, done = 0, false
	for k := len(o.neg) - 1; k >= 0 && !done; k-- {
		if seen += o.neg[k]; seen > tail {
			lo, done = -bucketTop(k), true
		}
	}
	for k := 0; k < len(o.pos) && !done; k++ {
		if seen += o.pos[k]; seen > tail {
			lo, done = float64(math.Float32frombits(uint32(k)<<16)), true
		}
	}
	return max(lo, float64(o.min)), min(hi, float64(o.max)), nil
}

// merge adds o's observations to b's.
func (b *observer) merge(o *observer) {
	b.min, b.max = min(b.min, o.min), max(b.max, o.max)
	b.count += o.count
	b.bad = b.bad || o.bad
	for i := range b.pos {
		b.pos[i] += o.pos[i]
		b.neg[i] += o.neg[i]
	}
}
