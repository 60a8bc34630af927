package cache

import (
	"math"

	"github.com/x448/float16"
)

// generic is the pure-Go twin of the SIMD kernels: the only path on CPUs
// without them (e.g. the ARMv6 Pi Zero) and the reference the fast paths are
// tested against.
var generic = &kernelSet{name: "generic"}

// h2f converts one fp16 value to float32 (exact), bit for bit as
// float16.Frombits(h).Float32() (tested on all 65,536 values) but without its
// branches on the common path: the twin is the production kernel on the
// ARMv6 Pi Zero. IEEE 754 binary16: sign, 5 exponent bits (bias 15), 10
// fraction bits; binary32 has bias 127, so a normal value only moves its
// exponent by 112 and its fraction by 13 bits.
func h2f(h uint16) float32 {
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

// f2h rounds a float32 to the nearest fp16 (ties to even).
func f2h(f float32) uint16 { return float16.Fromfloat32(f).Bits() }

// dotsGeneric: dst[i] = sum_k h(keys[i*dim+k]) * q[k] with dim = len(q),
// accumulated in float32 in four interleaved partial sums (as the SIMD lanes
// do, which keeps the twins' rounding errors of the same size).
func dotsGeneric(dst []float32, keys []uint16, q []float32) {
	dim := len(q)
	for i := range dst {
		k := keys[i*dim : (i+1)*dim]
		var s0, s1, s2, s3 float32
		j := 0
		for ; j+4 <= dim; j += 4 {
			s0 += h2f(k[j]) * q[j]
			s1 += h2f(k[j+1]) * q[j+1]
			s2 += h2f(k[j+2]) * q[j+2]
			s3 += h2f(k[j+3]) * q[j+3]
		}
		for ; j < dim; j++ {
			s0 += h2f(k[j]) * q[j]
		}
		dst[i] = (s0 + s1) + (s2 + s3)
	}
}
