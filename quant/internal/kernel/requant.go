package kernel

import (
	"fmt"
	"math"
)

// Requant holds the per-output-channel constants that turn a row of int32
// GEMM sums into bytes, as TensorFlow Lite's per-channel requantization
// (reference/integer_ops/conv.h: MultiplyByQuantizedMultiplier, then the
// output zero point and the activation clamp). Build it with NewRequant.
type Requant struct {
	m     int
	bias  []int32
	mult  []int32
	shift []int8
	zero  uint8
	lo    uint8
	left  bool // some channel shifts left

	// vec is the assembly epilogue's layout: per panel of 16 channels,
	// rqVecs vectors of 16 int32 (see rqBias and the following constants).
	vec []int32

	// quad and lim are the arm64 epilogue's (requant_neon.go).
	quad []int32
	lim  [12]int32
}

// Vectors of a panel's block in Requant.vec, in the order the assembly
// reads them (offset = index * 64 bytes).
const (
	rqBias    = iota // added to the sum, wrapping as int32
	rqMult           // Q31 multiplier; VPMULDQ reads the even lanes
	rqMultOdd        // the odd channels' multipliers in the even lanes
	rqHi             // MaxInt32 >> left: the sum is clamped to [rqLo, rqHi] ...
	rqLo             // MinInt32 >> left  ... before the left shift
	rqLeft           // left shift
	rqRight          // right shift of RoundingDivideByPOT
	rqMask           // 2^right - 1
	rqThr            // (2^right - 1) >> 1: the rounding threshold for v >= 0
	rqZero           // output zero point
	rqMin            // lower clamp minus the zero point
	rqMax            // 255 minus the zero point
	rqVecs
)

// NewRequant prepares the requantization of m channels: channel i's sum s
// becomes clamp(zero + MultiplyByQuantizedMultiplier(s + bias[i], mult[i],
// shift[i]), lo, 255). Multipliers are TFLite's Q31 values, zero or at least
// 2^30, and shifts -31..30, as TFLite's QuantizeMultiplier produces.
func NewRequant(m int, bias, mult []int32, shift []int8, zero, lo uint8) (*Requant, error) {
	if m < 1 || len(bias) < m || len(mult) < m || len(shift) < m {
		return nil, fmt.Errorf("kernel: requantization of %d channels from %d biases, %d multipliers, %d shifts", m, len(bias), len(mult), len(shift))
	}
	for i := range m {
		if (mult[i] != 0 && mult[i] < 1<<30) || shift[i] < -31 || shift[i] > 30 {
			return nil, fmt.Errorf("kernel: channel %d: multiplier %d shift %d out of range", i, mult[i], shift[i])
		}
	}
	r := &Requant{m: m, bias: append([]int32(nil), bias[:m]...), mult: append([]int32(nil), mult[:m]...),
		shift: append([]int8(nil), shift[:m]...), zero: zero, lo: lo}
	npanel := (m + 15) / 16
	r.vec = make([]int32, npanel*rqVecs*16)
	for i := range npanel * 16 {
		p, l := i/16, i%16
		v := r.vec[p*rqVecs*16:]
		set := func(k int, x int32) { v[k*16+l] = x }
		// Channels past m compute junk that the masked store drops; give
		// them harmless constants.
		var b, mu int32
		var s int8
		if i < m {
			b, mu, s = bias[i], mult[i], shift[i]
		}
		left, right := max(int32(s), 0), max(-int32(s), 0)
		set(rqBias, b)
		set(rqMult, mu)
		set(rqHi, math.MaxInt32>>left)
		set(rqLo, math.MinInt32>>left)
		set(rqLeft, left)
		set(rqRight, right)
		set(rqMask, int32(int64(1)<<right-1))
		set(rqThr, int32(int64(1)<<right-1)>>1)
		set(rqZero, int32(zero))
		set(rqMin, int32(lo)-int32(zero))
		set(rqMax, 255-int32(zero))
		if left > 0 {
			r.left = true
		}
		if l%2 == 1 {
			v[rqMultOdd*16+l-1] = mu
		}
	}
	r.quad, r.lim = r.quadVec()
	return r, nil
}

// requantGo is one value of the epilogue, the Go twin of the assembly's and
// the same arithmetic as TFLite's MultiplyByQuantizedMultiplier: saturating
// left shift, gemmlowp's SaturatingRoundingDoublingHighMul (which, with a
// non-negative multiplier, is floor((x*mult + 2^30) / 2^31) and cannot
// saturate), and RoundingDivideByPOT (round half away from zero).
func (r *Requant) requantGo(acc int32, i int) uint8 {
	x := int64(acc + r.bias[i]) // int32 addition, as TFLite's
	s := int(r.shift[i])
	right := uint(0)
	if s > 0 {
		x = min(max(x<<uint(s), math.MinInt32), math.MaxInt32)
	} else {
		right = uint(-s)
	}
	v := (x*int64(r.mult[i]) + 1<<30) >> 31
	if right > 0 {
		v += 1<<(right-1) - (v>>63)&1
	}
	return uint8(min(max(v>>right+int64(r.zero), int64(r.lo)), 255))
}

// requantRow is requantGo over a row of channel i's sums, written ldd
// apart, with the channel's constants hoisted out of the loop.
func (r *Requant) requantRow(dst []uint8, ldd int, acc []int32, i int) {
	bias, mult := r.bias[i], int64(r.mult[i])
	left, right := uint(0), uint(0)
	if s := int(r.shift[i]); s > 0 {
		left = uint(s)
	} else {
		right = uint(-s)
	}
	half, neg := int64(0), int64(0)
	if right > 0 {
		half, neg = 1<<(right-1), 1
	}
	zero, lo := int64(r.zero), int64(r.lo)
	for t, a := range acc {
		x := int64(a + bias)
		if left > 0 {
			x = min(max(x<<left, math.MinInt32), math.MaxInt32)
		}
		v := (x*mult + 1<<30) >> 31
		v = (v + half - (v>>63)&neg) >> right
		dst[t*ldd] = uint8(min(max(v+zero, lo), 255))
	}
}

// GemmRequant computes the product of Gemm and requantizes it straight into
// bytes, transposed: dst[j*ldd+i] = rq(sum_k W[i][k] * b[j*ldb+k]) for
// output channel i < M and pixel j < n, so pixel j's M channels land
// contiguously (HWC). Nothing else in dst is written. rq must be for M
// channels. Like Gemm it panics on slices too short for the shapes.
func (w *Weights) GemmRequant(n int, b []uint8, ldb int, dst []uint8, ldd int, rq *Requant) {
	if n <= 0 {
		return
	}
	if rq.m != w.M {
		panic(fmt.Sprintf("kernel: requantization for %d channels, weights have %d", rq.m, w.M))
	}
	if ldb < 0 || len(b) < w.Depth || (n > 1 && ldb > (len(b)-w.Depth)/(n-1)) {
		panic(fmt.Sprintf("kernel: b holds %d bytes, not %d rows of %d bytes %d apart", len(b), n, w.Depth, ldb))
	}
	if len(dst) < w.M || (n > 1 && (ldd < w.M || ldd > (len(dst)-w.M)/(n-1))) {
		panic(fmt.Sprintf("kernel: dst holds %d bytes, not %d rows of %d bytes %d apart", len(dst), n, w.M, ldd))
	}
	if w.kern.asm != 0 && w.kern.rqAsm != 0 {
		w.gemmRequantTiles(n, b, ldb, dst, ldd, rq)
		return
	}
	w.gemmRequantGo(n, b, ldb, dst, ldd, rq)
}

// gemmRequantGo is GemmRequant through Gemm and requantGo, a few pixels at
// a time through a buffer on the stack: the Go twin, and the path of
// kernels without a fused epilogue.
func (w *Weights) gemmRequantGo(n int, b []uint8, ldb int, dst []uint8, ldd int, rq *Requant) {
	var buf [4096]int32
	acc := buf[:]
	if w.M > len(buf) {
		acc = make([]int32, w.M)
	}
	step := len(acc) / w.M
	for j := 0; j < n; j += step {
		nc := min(step, n-j)
		w.Gemm(nc, b[j*ldb:], ldb, acc, nc)
		rq.requantBlock(dst[j*ldd:], ldd, acc[:w.M*nc], nc)
	}
}

// gemmRequantTiles runs the fused assembly kernel on whole groups of pixels
// (partial panels by masked stores) and the last n%cols pixels through
// scratch copies, so it reads and writes nothing outside b and dst.
func (w *Weights) gemmRequantTiles(n int, b []uint8, ldb int, dst []uint8, ldd int, rq *Requant) {
	k := w.kern
	blocks, rem := w.Depth/k.block, w.Depth%k.block
	rows, cols := k.rows, k.cols
	npanel := (w.M + rows - 1) / rows
	panelBytes := len(w.panels) / npanel
	groups := n / cols
	step := max(1, chunkBytes/(cols*max(ldb, w.Depth)))
	for q := 0; q < groups; q += step {
		nq := min(step, groups-q)
		for p := range npanel {
			mask := uint32(1)<<min(w.M-p*rows, rows) - 1
			runRequantTiles(k.rqAsm, &w.panels[p*panelBytes], blocks, rem,
				&b[q*cols*ldb], ldb, nq, &rq.vec[p*rqVecs*16], &dst[q*cols*ldd+p*rows], ldd, mask, 1, 0, 8*ldb, 16*ldb, 8*ldd, 16*ldd, rq.left)
		}
	}
	j := groups * cols
	if j == n {
		return
	}
	// The last nc < cols pixels: copies of b's rows, results into a tile.
	nc := n - j
	var xsBuf [4096]uint8
	var xs []uint8
	if cols*w.Depth <= len(xsBuf) {
		xs = xsBuf[:cols*w.Depth]
	} else {
		xs = make([]uint8, cols*w.Depth)
	}
	for t := range nc {
		copy(xs[t*w.Depth:(t+1)*w.Depth], b[(j+t)*ldb:])
	}
	var tile [16 * 16]uint8
	for p := range npanel {
		mask := uint32(1)<<min(w.M-p*rows, rows) - 1
		runRequantTiles(k.rqAsm, &w.panels[p*panelBytes], blocks, rem,
			&xs[0], w.Depth, 1, &rq.vec[p*rqVecs*16], &tile[0], rows, mask, 1, 0, 8*w.Depth, 16*w.Depth, 8*rows, 16*rows, rq.left)
		width := min(w.M-p*rows, rows)
		for t := range nc {
			copy(dst[(j+t)*ldd+p*rows:][:width], tile[t*rows:][:width])
		}
	}
}

// GemmRequantSegments is GemmRequant for pixels whose Depth values are not
// contiguous but segs runs of Depth/segs bytes: pixel j's run s is
// b[j*ldb+s*segStride:][:Depth/segs]. With ldb the channel count and
// segStride one row of a padded HWC image, the runs are the rows of a
// stride-1 convolution's patches, read in place instead of copied by
// im2col. Only those bytes of b are read.
func (w *Weights) GemmRequantSegments(n int, b []uint8, ldb, segs, segStride int, dst []uint8, ldd int, rq *Requant) {
	if n <= 0 {
		return
	}
	if segs < 1 || w.Depth%segs != 0 {
		panic(fmt.Sprintf("kernel: depth %d in %d segments", w.Depth, segs))
	}
	seg := w.Depth / segs
	// The last byte read is (n-1)*ldb + (segs-1)*segStride + seg; checked
	// by divisions so that huge strides cannot overflow (int is 32 bits on
	// GOARCH=arm).
	room := len(b) - seg
	bad := ldb < 0 || segStride < 0 || room < 0
	if !bad && segs > 1 {
		bad = segStride > room/(segs-1)
		room -= (segs - 1) * segStride
	}
	if !bad && n > 1 {
		bad = ldb > room/(n-1)
	}
	if bad {
		panic(fmt.Sprintf("kernel: b holds %d bytes, not %d pixels %d apart of %d runs of %d bytes %d apart", len(b), n, ldb, segs, seg, segStride))
	}
	if rq.m != w.M {
		panic(fmt.Sprintf("kernel: requantization for %d channels, weights have %d", rq.m, w.M))
	}
	if len(dst) < w.M || (n > 1 && (ldd < w.M || ldd > (len(dst)-w.M)/(n-1))) {
		panic(fmt.Sprintf("kernel: dst holds %d bytes, not %d rows of %d bytes %d apart", len(dst), n, w.M, ldd))
	}
	k := w.kern
	if k.asm == 0 || k.rqAsm == 0 || seg%k.block != 0 || n < k.cols {
		w.gemmRequantGather(n, b, ldb, segs, segStride, dst, ldd, rq)
		return
	}
	rows, cols := k.rows, k.cols
	npanel := (w.M + rows - 1) / rows
	panelBytes := len(w.panels) / npanel
	groups := n / cols
	step := max(1, chunkBytes/(cols*w.Depth))
	run := func(j, nq int) {
		for p := range npanel {
			mask := uint32(1)<<min(w.M-p*rows, rows) - 1
			runRequantTiles(k.rqAsm, &w.panels[p*panelBytes], seg/k.block, 0,
				&b[j*ldb], ldb, nq, &rq.vec[p*rqVecs*16], &dst[j*ldd+p*rows], ldd, mask, segs, segStride, 8*ldb, 16*ldb, 8*ldd, 16*ldd, rq.left)
		}
	}
	for q := 0; q < groups; q += step {
		run(q*cols, min(step, groups-q))
	}
	if n%cols != 0 {
		// The last cols pixels as one more group: the pixels it shares with
		// the previous group are written again with the same bytes.
		run(n-cols, 1)
	}
}

// gemmRequantGather is GemmRequantSegments by copying a few pixels' runs
// at a time into a buffer on the stack, for GemmRequant.
func (w *Weights) gemmRequantGather(n int, b []uint8, ldb, segs, segStride int, dst []uint8, ldd int, rq *Requant) {
	var buf [8192]uint8
	rowsBuf := buf[:]
	if w.Depth > len(buf) {
		rowsBuf = make([]uint8, w.Depth)
	}
	seg := w.Depth / segs
	step := len(rowsBuf) / w.Depth
	for j := 0; j < n; j += step {
		nc := min(step, n-j)
		for t := range nc {
			for s := range segs {
				copy(rowsBuf[t*w.Depth+s*seg:][:seg], b[(j+t)*ldb+s*segStride:][:seg])
			}
		}
		w.GemmRequant(nc, rowsBuf, w.Depth, dst[j*ldd:], ldd, rq)
	}
}

// InPlace reports whether GemmRequantSegments runs in assembly for runs of
// seg bytes (at least 16 pixels), rather than gathering them as im2col
// would: callers keep im2col and GemmRequant otherwise.
func (w *Weights) InPlace(seg int) bool {
	return w.kern.asm != 0 && w.kern.rqAsm != 0 && seg > 0 && seg%w.kern.block == 0 && w.Depth%seg == 0
}
