package cache

import "github.com/edgecache/edgecache/cache/internal/f16"

// generic is the pure-Go twin of the SIMD kernels: the only path on CPUs
// without them (e.g. the ARMv6 Pi Zero) and the reference the fast paths are
// tested against.
var generic = &kernelSet{name: "generic"}

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
			s0 += f16.Decode(k[j]) * q[j]
			s1 += f16.Decode(k[j+1]) * q[j+1]
			s2 += f16.Decode(k[j+2]) * q[j+2]
			s3 += f16.Decode(k[j+3]) * q[j+3]
		}
		for ; j < dim; j++ {
			s0 += f16.Decode(k[j]) * q[j]
		}
		dst[i] = (s0 + s1) + (s2 + s3)
	}
}
