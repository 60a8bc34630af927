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

// Projection maps a raw key x (length Cols) to W (x - Mean) (length Rows)
// before normalisation, e.g. a PCA basis fitted to reduce keys. W is Rows x
// Cols, row-major, stored as fp16 bit patterns like the keys: on a board the
// matrix of a 64 x 12,288 projection is 1.5 MiB in fp16 against 3 MiB in
// float32, room for 11,500 more 64-value items, and the lookup kernels
// project a query with the same fp16 x fp32 dot products they scan keys with.
// Mean is nil (no centring) or Cols float32 values.
type Projection struct {
	Rows, Cols int
	W          []uint16
	Mean       []float32
}

// NewProjection rounds a float32 Rows x Cols matrix (row-major) to fp16 for a
// Projection; mean may be nil.
func NewProjection(rows, cols int, w, mean []float32) (*Projection, error) {
	if rows < 1 || cols < 1 || len(w) != rows*cols {
		return nil, fmt.Errorf("cache: projection matrix of %d values for %dx%d", len(w), rows, cols)
	}
	if mean != nil && len(mean) != cols {
		return nil, fmt.Errorf("cache: projection mean of %d values for %d columns", len(mean), cols)
	}
	p := &Projection{Rows: rows, Cols: cols, W: make([]uint16, len(w))}
	for i, v := range w {
		if !finite(v) || math.Abs(float64(v)) > 65504 {
			return nil, fmt.Errorf("cache: projection value %d is %v (fp16 cannot hold it)", i, v)
		}
		p.W[i] = f2h(v)
	}
	if mean != nil {
		p.Mean = append([]float32(nil), mean...)
	}
	return p, nil
}

// Leading returns the projection onto the first d of p's rows (for a PCA
// basis, the d leading directions), sharing p's storage.
func (p *Projection) Leading(d int) (*Projection, error) {
	if d < 1 || d > p.Rows {
		return nil, fmt.Errorf("cache: leading %d of %d projection rows", d, p.Rows)
	}
	return &Projection{Rows: d, Cols: p.Cols, W: p.W[: d*p.Cols : d*p.Cols], Mean: p.Mean}, nil
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
		if t.C < 1 || t.H < 1 || t.W < 1 || t.C > maxTapLen || t.H > maxTapLen || t.W > maxTapLen ||
			t.C*t.H*t.W > maxTapLen {
			return fmt.Errorf("cache: tap %q has shape %dx%dx%d", t.Name, t.C, t.H, t.W)
		}
		if t.Pool > PoolAvg2 {
			return fmt.Errorf("cache: tap %q has unknown pool %d", t.Name, uint8(t.Pool))
		}
		raw += t.Len()
	}
	if raw > maxTapLen {
		return fmt.Errorf("cache: keys of %d values are too long (at most %d)", raw, maxTapLen)
	}
	if p := s.Proj; p != nil {
		if p.Cols != raw {
			return fmt.Errorf("cache: projection takes %d values, taps give %d", p.Cols, raw)
		}
		if p.Rows < 1 || p.Rows > p.Cols {
			return fmt.Errorf("cache: projection to %d of %d dimensions", p.Rows, p.Cols)
		}
		if len(p.W) != p.Rows*p.Cols {
			return fmt.Errorf("cache: projection matrix has %d values, want %dx%d", len(p.W), p.Rows, p.Cols)
		}
		if p.Mean != nil && len(p.Mean) != p.Cols {
			return fmt.Errorf("cache: projection mean has %d values, want %d", len(p.Mean), p.Cols)
		}
		for i, h := range p.W {
			if h&0x7c00 == 0x7c00 { // exponent all ones: Inf or NaN (IEEE 754 binary16)
				return fmt.Errorf("cache: projection value %d is not finite", i)
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
// With a projection Key allocates the raw key; KeyWith does not.
func (s Spec) Key(dst []float32, taps [][]float32) error {
	var raw []float32
	if s.Proj != nil {
		raw = make([]float32, s.RawDim())
	}
	return s.KeyWith(dst, raw, taps)
}

// KeyWith is Key with the caller's scratch for the raw key (RawDim values,
// used only with a projection), so a board's per-frame loop allocates nothing.
func (s Spec) KeyWith(dst, raw []float32, taps [][]float32) error {
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
	if s.Proj == nil {
		raw = dst
	} else if len(raw) != s.RawDim() {
		return fmt.Errorf("cache: raw key buffer of %d for raw keys of %d", len(raw), s.RawDim())
	}
	o := 0
	for i, t := range s.Taps {
		switch t.Pool {
		case PoolNone:
			o += copy(raw[o:], taps[i])
		case PoolAvg:
			o += poolAvg(raw[o:], taps[i], t)
		case PoolAvg2:
			o += poolAvg2(raw[o:], taps[i], t)
		}
	}
	if p := s.Proj; p != nil {
		for i, m := range p.Mean {
			raw[i] -= m
		}
		// The projection's rows are fp16 like keys: one similarity scan.
		dots(kernels, dst, p.W, raw)
	}
	return normalize(dst)
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
