//go:build !noasm

package cache

import "math"

// activeDotBound is the tolerance of the dot products the lookup runs here:
// on a core with FEAT_FP16 the lookup's single-query dots are the fp16
// kernel's (dotsFP16Bound on the 8-value body, fp32 on the tail), its
// four-query dots fp32 (dotBound); the larger of the two serves both.
func activeDotBound(k []uint16, q []float32) float64 {
	b := dotBound(k, q)
	if kernels != fp16Kernels {
		return b
	}
	body := len(q) &^ 7
	return math.Max(b, dotsFP16Bound(k[:body], q[:body], body)+dotBound(k[body:], q[body:]))
}
