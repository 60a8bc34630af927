package gemm

import (
	"fmt"
	"math/bits"
)

// MR is the number of output rows (channels) a tile computes; a convolution
// packs its weights in panels of MR rows.
const MR = 8

// Lanes is the width of the widest vectors (AVX-512: 16 floats).
const Lanes = 16

// Step is the granularity of NR: tiles end in a half vector when that saves
// computing garbage positions.
const Step = Lanes / 2

// MaxNR is the widest tile.
const MaxNR = 3 * Lanes

// Tile is one MR x NR block of C = A x B, with the epilogue fused:
//
//	sum[r][p] = sum over k of A[k*MR+r] * B[Offs[k]+p]
//	v = sum[r][p] + Bias[r] (+ Res[r*LDC+i]), then max(v, 0) when ReLU
//	C[r*LDC+i] = v, for r < Rows and the i-th set bit p of Mask, i counted
//	from Off.
type Tile struct {
	A    []float32 // packed panel: K steps of MR weights
	B    []float32 // input, from the tile's first position; the kernel reads B[0 : Offs.Max()+NR]
	Offs Offsets   // K offsets into B
	NR   int       // positions: a multiple of Step up to MaxNR
	Mask uint64    // bit p set: position p is real and is stored
	Rows int       // rows stored, 1 to MR: the last panel of a layer may be partial
	C    []float32
	LDC  int // distance between the rows of C (and of Res)
	Off  int // where in each row the first real position goes
	Bias []float32
	Res  []float32 // nil, or added before the ReLU; same layout as C
	ReLU bool
}

// Offsets is a checked, read-only offset table: every offset is >= 0 and
// Max is their maximum, so a Tile's bounds check costs O(1) per call.
type Offsets struct {
	offs []int32
	max  int
}

// NewOffsets copies offs into an Offsets, refusing negative values.
func NewOffsets(offs []int32) (Offsets, error) {
	m := 0
	for k, o := range offs {
		if o < 0 {
			return Offsets{}, fmt.Errorf("gemm: offset %d is %d, must not be negative", k, o)
		}
		m = max(m, int(o))
	}
	return Offsets{offs: append([]int32(nil), offs...), max: m}, nil
}

// Len is the number of steps.
func (o Offsets) Len() int { return len(o.offs) }

// Max is the largest offset (0 for none).
func (o Offsets) Max() int { return o.max }

// check verifies that every access of t stays inside its slices, so that the
// assembly kernels, which see only pointers, never touch memory the caller
// did not hand over.
func (t *Tile) check() error {
	k := t.Offs.Len()
	switch {
	case t.NR < Step || t.NR > MaxNR || t.NR%Step != 0:
		return fmt.Errorf("gemm: NR %d, want a multiple of %d up to %d", t.NR, Step, MaxNR)
	case t.NR < 64 && t.Mask>>uint(t.NR) != 0:
		return fmt.Errorf("gemm: mask %#x has bits past NR %d", t.Mask, t.NR)
	case len(t.A) < k*MR:
		return fmt.Errorf("gemm: panel holds %d weights, %d steps need %d", len(t.A), k, k*MR)
	case len(t.B) < t.Offs.Max()+t.NR:
		return fmt.Errorf("gemm: input holds %d values, offsets up to %d need %d", len(t.B), t.Offs.Max(), t.Offs.Max()+t.NR)
	case len(t.Bias) < MR:
		return fmt.Errorf("gemm: %d biases, want %d", len(t.Bias), MR)
	case t.Rows < 1 || t.Rows > MR:
		return fmt.Errorf("gemm: %d rows, want 1 to %d", t.Rows, MR)
	case t.Off < 0 || t.LDC < 0:
		return fmt.Errorf("gemm: negative offset %d or row stride %d", t.Off, t.LDC)
	}
	n := bits.OnesCount64(t.Mask)
	if n == 0 {
		return nil
	}
	end := (t.Rows-1)*t.LDC + t.Off + n
	if len(t.C) < end {
		return fmt.Errorf("gemm: destination holds %d values, tile writes up to %d", len(t.C), end)
	}
	if t.Res != nil && len(t.Res) < end {
		return fmt.Errorf("gemm: residual holds %d values, tile reads up to %d", len(t.Res), end)
	}
	return nil
}

// Compute runs one tile with the kernel picked at start-up. It panics, like an
// out-of-range slice index, when t breaks the contract above: tiles are built
// by code in this module, never from outside data.
func Compute(t *Tile) {
	if err := t.check(); err != nil {
		panic(err)
	}
	if t.Mask == 0 {
		return
	}
	compute(t)
}

// Kernel names the implementation Compute uses.
func Kernel() string { return kernelName }

// epilogue writes the real positions of sum (MR rows of NR values) into t.C,
// one run of consecutive real positions at a time (storeRun: NEON on
// arm64): a mask marks whole output rows, so runs are long.
func epilogue(t *Tile, sum *[MR * MaxNR]float32) {
	for r := 0; r < t.Rows; r++ {
		row := sum[r*t.NR : (r+1)*t.NR]
		c := t.C[r*t.LDC+t.Off:]
		var res []float32
		if t.Res != nil {
			res = t.Res[r*t.LDC+t.Off:]
		}
		b := t.Bias[r]
		i := 0
		for m := t.Mask; m != 0; {
			p := bits.TrailingZeros64(m)
			n := bits.TrailingZeros64(^(m >> uint(p)))
			var rs []float32
			if res != nil {
				rs = res[i : i+n]
			}
			storeRun(c[i:i+n], row[p:p+n], rs, b, t.ReLU)
			i += n
			m &^= (1<<uint(n) - 1) << uint(p) // n = 64: 1<<64 is 0 in Go
		}
	}
}

// storeRunGo is one run of the epilogue: dst[i] = src[i] + bias (+ res[i]
// unless res is nil), then max(v, 0) when relu, as v < 0 (NaN and -0 pass).
func storeRunGo(dst, src, res []float32, bias float32, relu bool) {
	src = src[:len(dst)]
	if res != nil {
		res = res[:len(dst)]
	}
	for i := range dst {
		v := src[i] + bias
		if res != nil {
			v += res[i]
		}
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

type namedKernel struct {
	name string
	fn   func(*Tile)
}
