package cache

import (
	"fmt"
	"math"
)

// Pool says how one tap's activations become part of a key.
type Pool uint8

const (
	// PoolNone flattens the whole C x H x W tap (the paper's choice).
	PoolNone Pool = iota
	// PoolAvg averages each channel over H x W: C values.
	PoolAvg
	// PoolAvg2 averages each channel over 2 x 2 windows with stride 2 (a
	// last odd row or column averages the values it has): C x ceil(H/2) x
	// ceil(W/2) values. It keeps the coarse layout global pooling throws
	// away, and a projection of the pooled key is a quarter of the size.
	PoolAvg2
)

func (p Pool) String() string {
	switch p {
	case PoolNone:
		return "none"
	case PoolAvg:
		return "avg"
	case PoolAvg2:
		return "avg2"
	}
	return fmt.Sprintf("Pool(%d)", uint8(p))
}

// ParsePool reads "none", "avg" or "avg2".
func ParsePool(s string) (Pool, error) {
	switch s {
	case "none":
		return PoolNone, nil
	case "avg":
		return PoolAvg, nil
	case "avg2":
		return PoolAvg2, nil
	}
	return 0, fmt.Errorf("cache: unknown pool %q (want none, avg or avg2)", s)
}

// TapSpec is one tap of a key: a named C x H x W activation (stored CHW) and
// how it is pooled.
type TapSpec struct {
	Name    string
	C, H, W int
	Pool    Pool
}

// Len is the number of values the tap contributes to the raw key.
func (t TapSpec) Len() int {
	switch t.Pool {
	case PoolAvg:
		return t.C
	case PoolAvg2:
		return t.C * ((t.H + 1) / 2) * ((t.W + 1) / 2)
	}
	return t.C * t.H * t.W
}

func (t TapSpec) String() string {
	return fmt.Sprintf("%s[%dx%dx%d pool=%v]", t.Name, t.C, t.H, t.W, t.Pool)
}

// Spec says how a key is built from one image's taps.
type Spec struct {
	Taps []TapSpec
	Proj *Projection // nil: keys are the raw concatenation
}

// limits keep a corrupt spec from asking for absurd allocations.
const (
	maxTaps    = 1 << 10
	maxTapLen  = 1 << 24
	maxNameLen = 1 << 8
)

// Validate checks shapes, pools and the projection's size.
func (s Spec) Validate() error {
	if len(s.Taps) == 0 {
		return fmt.Errorf("cache: key spec has no taps")
	}
	if len(s.Taps) > maxTaps {
		return fmt.Errorf("cache: key spec has %d taps (at most %d)", len(s.Taps), maxTaps)
	}
	seen := make(map[string]bool, len(s.Taps))
	raw := 0
	for i, t := range s.Taps {
		if t.Name == "" || len(t.Name) > maxNameLen {
			return fmt.Errorf("cache: tap %d has a name of %d bytes (1 to %d)", i, len(t.Name), maxNameLen)
		}
		if seen[t.Name] {
			return fmt.Errorf("cache: tap %q appears twice", t.Name)
		}
		seen[t.Name] = true
		// Divide rather than multiply: on the 32-bit boards C*H*W overflows
		// int already at 65536x65536x1, which wraps to a tap of 0 values.
		if t.C < 1 || t.H < 1 || t.W < 1 || t.C > maxTapLen || t.H > maxTapLen/t.C || t.W > maxTapLen/(t.C*t.H) {
			return fmt.Errorf("cache: tap %q has shape %dx%dx%d (at most %d values, each side at least 1)", t.Name, t.C, t.H, t.W, maxTapLen)
		}
		if t.Pool > PoolAvg2 {
			return fmt.Errorf("cache: tap %q has unknown pool %d", t.Name, uint8(t.Pool))
		}
		// Checked per tap, so the sum of up to maxTaps taps cannot overflow.
		if raw += t.Len(); raw > maxTapLen {
			return fmt.Errorf("cache: keys of %d or more values are too long (at most %d)", raw, maxTapLen)
		}
	}
	if p := s.Proj; p != nil {
		if p.Cols != raw {
			return fmt.Errorf("cache: projection takes %d values, taps give %d", p.Cols, raw)
		}
		if p.Rows < 1 || p.Rows > p.Cols {
			return fmt.Errorf("cache: projection to %d of %d dimensions", p.Rows, p.Cols)
		}
		if int64(len(p.WT)) != int64(p.Rows)*int64(p.Cols) { // int64: 2^24 x 2^24 overflows a 32-bit int
			return fmt.Errorf("cache: projection matrix has %d values, want %dx%d", len(p.WT), p.Rows, p.Cols)
		}
		if p.Mean != nil && len(p.Mean) != p.Cols {
			return fmt.Errorf("cache: projection mean has %d values, want %d", len(p.Mean), p.Cols)
		}
		for i, h := range p.WT {
			if h&0x7c00 == 0x7c00 { // exponent all ones: Inf or NaN (IEEE 754 binary16)
				return fmt.Errorf("cache: projection value %d is not finite (row %d, column %d)", i, i%p.Rows, i/p.Rows)
			}
		}
		for _, v := range p.Mean {
			if !finite(v) {
				return fmt.Errorf("cache: projection mean holds %v", v)
			}
		}
	}
	return nil
}

// RawDim is the length of the concatenated, pooled taps.
func (s Spec) RawDim() int {
	n := 0
	for _, t := range s.Taps {
		n += t.Len()
	}
	return n
}

// Dim is the length of a key: the projection's rows, or RawDim without one.
func (s Spec) Dim() int {
	if s.Proj != nil {
		return s.Proj.Rows
	}
	return s.RawDim()
}

// Check reports whether keys made with other can be compared with keys made
// with s: same taps in the same order, same shapes and pools, same projection
// size. The error names the first tap that differs, so a cache built for
// another model's taps is refused with a reason.
func (s Spec) Check(other Spec) error {
	for i := 0; i < len(s.Taps) && i < len(other.Taps); i++ {
		a, b := s.Taps[i], other.Taps[i]
		if a != b {
			return fmt.Errorf("cache: key spec mismatch at tap %d: %v, want %v", i, b, a)
		}
	}
	if len(s.Taps) != len(other.Taps) {
		return fmt.Errorf("cache: key spec mismatch: %d taps, want %d (%v)", len(other.Taps), len(s.Taps), s)
	}
	switch {
	case (s.Proj == nil) != (other.Proj == nil):
		return fmt.Errorf("cache: key spec mismatch: projection %v, want %v", other.projString(), s.projString())
	case s.Proj != nil && (s.Proj.Rows != other.Proj.Rows || s.Proj.Cols != other.Proj.Cols):
		return fmt.Errorf("cache: key spec mismatch: projection %v, want %v", other.projString(), s.projString())
	}
	return nil
}

func (s Spec) projString() string {
	if s.Proj == nil {
		return "none"
	}
	return fmt.Sprintf("%dx%d", s.Proj.Rows, s.Proj.Cols)
}

func (s Spec) String() string {
	str := ""
	for i, t := range s.Taps {
		if i > 0 {
			str += "+"
		}
		str += t.String()
	}
	if s.Proj != nil {
		str += " proj=" + s.projString()
	}
	return str
}

// Key builds one key into dst (Dim values) from one image's taps, given in the
// order of s.Taps, each C x H x W values in CHW order: pool or flatten each,
// concatenate, project if s has a projection, then scale to unit L2 norm. A
// zero vector stays zero (it then matches nothing better than anything else).
// Key allocates its working memory; a board's lookup (Cache.TapProbs) reuses
// a Scratch.
func (s Spec) Key(dst []float32, taps [][]float32) error {
	ks := s.newKeyScratch()
	return s.key(dst, &ks, taps)
}

func (s Spec) key(dst []float32, ks *keyScratch, taps [][]float32) error {
	if len(taps) != len(s.Taps) {
		return fmt.Errorf("cache: %d taps for a key spec of %d", len(taps), len(s.Taps))
	}
	if len(dst) != s.Dim() {
		return fmt.Errorf("cache: key buffer of %d for keys of %d", len(dst), s.Dim())
	}
	for i, t := range s.Taps {
		if len(taps[i]) != t.C*t.H*t.W {
			return fmt.Errorf("cache: tap %q has %d values, want %dx%dx%d", t.Name, len(taps[i]), t.C, t.H, t.W)
		}
	}
	p := s.Proj
	if p == nil {
		o := 0
		for i, t := range s.Taps {
			o += pool(dst[o:], taps[i], t)
		}
		return normalize(dst)
	}
	if len(ks.raw) != s.rawScratch() {
		return fmt.Errorf("cache: raw key scratch of %d for %d", len(ks.raw), s.rawScratch())
	}
	segs := make([][]float32, 0, 4) // on the stack for up to four taps
	o := 0
	for i, t := range s.Taps {
		if t.Pool == PoolNone && p.Mean == nil {
			segs = append(segs, taps[i])
			continue
		}
		n := pool(ks.raw[o:], taps[i], t)
		segs = append(segs, ks.raw[o:o+n])
		o += n
	}
	for i, m := range p.Mean { // raw holds every value here
		ks.raw[i] -= m
	}
	p.project(kernels, dst, ks, segs...)
	return normalize(dst)
}

// pool writes tap x's part of the raw key into dst and returns its length.
func pool(dst, x []float32, t TapSpec) int {
	switch t.Pool {
	case PoolAvg:
		return poolAvg(dst, x, t)
	case PoolAvg2:
		return poolAvg2(dst, x, t)
	}
	return copy(dst, x)
}

// poolAvg writes each channel's mean over H x W into dst and returns t.C.
func poolAvg(dst, x []float32, t TapSpec) int {
	hw := t.H * t.W
	for c := 0; c < t.C; c++ {
		var sum float64
		for _, v := range x[c*hw : (c+1)*hw] {
			sum += float64(v)
		}
		dst[c] = float32(sum / float64(hw))
	}
	return t.C
}

// poolAvg2 writes the 2 x 2, stride 2 means of each channel (CHW) into dst
// and returns how many.
func poolAvg2(dst, x []float32, t TapSpec) int {
	o := 0
	for c := 0; c < t.C; c++ {
		plane := x[c*t.H*t.W : (c+1)*t.H*t.W]
		for y := 0; y < t.H; y += 2 {
			for xx := 0; xx < t.W; xx += 2 {
				var sum float32
				n := 0
				for dy := 0; dy < 2 && y+dy < t.H; dy++ {
					for dx := 0; dx < 2 && xx+dx < t.W; dx++ {
						sum += plane[(y+dy)*t.W+xx+dx]
						n++
					}
				}
				dst[o] = sum / float32(n)
				o++
			}
		}
	}
	return o
}

// normalize scales x to unit L2 norm (in float64, so 12,288 squares of large
// activations cannot overflow) and refuses non-finite values.
func normalize(x []float32) error {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		return fmt.Errorf("cache: key holds non-finite values")
	}
	if ss == 0 {
		return nil
	}
	inv := 1 / math.Sqrt(ss)
	for i, v := range x {
		x[i] = float32(float64(v) * inv)
	}
	return nil
}

func finite(v float32) bool {
	return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
}
