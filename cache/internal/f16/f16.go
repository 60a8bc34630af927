// Package f16 converts between IEEE 754 binary16 (fp16) bit patterns and
// float32: the one scalar decoder of the cache's pure-Go kernels and the
// host's similarity scan (the SIMD kernels convert in hardware: F16C
// VCVTPH2PS on amd64, FCVTL on arm64).
package f16

import (
	"math"

	"github.com/x448/float16"
)

// Decode converts one fp16 value to float32 (exact), bit for bit as
// float16.Frombits(h).Float32() (tested on all 65,536 values) but without its
// branches on the common path: it is the production kernel on the ARMv6 Pi
// Zero. IEEE 754 binary16: sign, 5 exponent bits (bias 15), 10 fraction bits;
// binary32 has bias 127, so a normal value only moves its exponent by 112 and
// its fraction by 13 bits.
func Decode(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	em := uint32(h & 0x7fff)
	switch {
	case em-0x400 < 0x7800: // normal (unsigned compare: 0x400 <= em < 0x7c00)
		return math.Float32frombits(sign | (em<<13 + 112<<23))
	case em == 0x7c00:
		return math.Float32frombits(sign | 0x7f800000)
	case em > 0x7c00: // NaN: payload kept, made quiet (as float16, F16C, FCVTL)
		return math.Float32frombits(sign | 0x7fc00000 | (em&0x3ff)<<13)
	}
	// Zero or subnormal: fraction * 2^-24, exact in float32.
	return math.Float32frombits(sign | math.Float32bits(float32(em)*(1.0/(1<<24))))
}

// Encode rounds a float32 to the nearest fp16 (ties to even).
func Encode(f float32) uint16 { return float16.Fromfloat32(f).Bits() }
