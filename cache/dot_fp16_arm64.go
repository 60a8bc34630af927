//go:build !noasm

package cache

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

// The lookup's dot products in half precision on cores with FEAT_FP16
// (ARMv8.2-A half-precision arithmetic: the Pi 5's Cortex-A76; the Pi 4's
// Cortex-A72 is ARMv8.0 and has only the conversions). The keys are fp16
// already; the query is rounded to fp16 once per block of keys, and FMLA
// on eight fp16 lanes replaces the fp32 kernel's two FCVTL and two FMLA per
// eight values. Each lane sums at most ceil(dim/32) terms in fp16 before the
// lanes are widened and summed in fp32, which keeps the error to a few fp16
// roundings of the largest partial sums: dotsFP16Bound in the test derives
// it, and it is of the size the fp16 keys already carry.
//
// The path needs a query of values within [-1, 1] (a lookup's queries are
// unit vectors): fp16 holds them without overflow, and the error bound is
// relative to it. A block whose query has a larger value goes to the fp32
// kernel, as does a key longer than maxFP16Dim.

//go:noescape
func dotsFP16NEON(dst *float32, keys *uint16, q *uint16, n, dim, body int)

//go:noescape
func f32to16NEON(dst *uint16, src *float32, n int)

// hasFP16 is FEAT_FP16 for scalars (FPHP) and vectors (ASIMDHP), as the
// kernel's FMLA .8H needs; x/sys/cpu reads them from the kernel's HWCAP.
var hasFP16 = cpu.ARM64.HasFPHP && cpu.ARM64.HasASIMDHP

// maxFP16Dim bounds the fp16 query copy, kept on the stack.
const maxFP16Dim = 512

// dotsFP16 is the dotsBody of fp16Kernels.
func dotsFP16(dst *float32, keys *uint16, q *float32, n, dim, body int) {
	if body > maxFP16Dim || !unitRange(q, body) {
		dotsNEON(dst, keys, q, n, dim, body)
		return
	}
	var q16 [maxFP16Dim]uint16
	f32to16NEON(&q16[0], q, body)
	dotsFP16NEON(dst, keys, &q16[0], n, dim, body)
}

// unitRange reports whether the n values at q are all within [-1, 1].
func unitRange(q *float32, n int) bool {
	for _, v := range unsafe.Slice(q, n) {
		if !(v >= -1 && v <= 1) {
			return false
		}
	}
	return true
}

// fp16Kernels is neonKernels with the half-precision dots.
var fp16Kernels = &kernelSet{name: "neon-fp16", dotsBody: dotsFP16, dots4Body: dots4NEON, f16to32Body: f16to32NEON,
	expsBody: expsNEON, projectBody: projectNEON}

// dotsFP16Generic is the kernel's pure-Go twin, bit for bit: q16 is the
// query in fp16 (FCVTN's rounding is f16.Encode's, to nearest even), value
// i of a key goes to lane i%8 of accumulator (i/8)%4 through an fp16 fused
// multiply-add, and the lanes are widened and summed in the kernel's tree.
func dotsFP16Generic(dst []float32, keys, q16 []uint16, dim, body int) {
	for i := range dst {
		k := keys[i*dim : i*dim+body]
		var acc [4][8]uint16
		for j, v := range k {
			a := &acc[(j/8)%4][j%8]
			*a = fma16(*a, v, q16[j])
		}
		var s [4][4]float32 // lo + hi of each accumulator
		for a := range acc {
			for l := 0; l < 4; l++ {
				s[a][l] = f16.Decode(acc[a][l]) + f16.Decode(acc[a][l+4])
			}
		}
		var v [4]float32
		for l := 0; l < 4; l++ {
			v[l] = (s[0][l] + s[1][l]) + (s[2][l] + s[3][l])
		}
		dst[i] = (v[0] + v[1]) + (v[2] + v[3])
	}
}

// fma16 is a + b*c rounded once to fp16, to nearest even (FMLA's rounding
// with the default FPCR). The product is exact in float64; the sum's
// rounding error is recovered exactly (Knuth's TwoSum), so that a sum that
// float64 puts on an fp16 tie is still rounded the right way.
func fma16(a, b, c uint16) uint16 {
	x := float64(f16.Decode(a))
	p := float64(f16.Decode(b)) * float64(f16.Decode(c))
	r := x + p
	bp := r - x
	e := (x - (r - bp)) + (p - bp)
	return round16(r, e)
}

// round16 rounds r + e (|e| at most half an ulp of r in float64) to fp16.
func round16(r, e float64) uint16 {
	if r == 0 {
		if e == 0 {
			return f16.Encode(float32(r))
		}
		r, e = e, 0
	}
	_, exp := math.Frexp(r) // |r| = f * 2^exp, f in [0.5, 1)
	ulp := math.Ldexp(1, max(exp-1, -14)-10)
	y := r / ulp
	n := math.RoundToEven(y)
	if math.Abs(y-math.Trunc(y)) == 0.5 && e != 0 {
		if e > 0 {
			n = math.Ceil(y)
		} else {
			n = math.Floor(y)
		}
	}
	v := n * ulp
	if math.Abs(v) > 65504 {
		v = math.Copysign(math.Inf(1), v)
	}
	return f16.Encode(float32(v))
}
