package kernel

import "math"

// Normalize quantizes network inputs: dst[i] = clamp(round(((src[i] -
// mean[i]) / std[i]) / scale) + zero, 0, 255), rounding half away from zero
// (math.Round) and NaN to 0, for i < len(dst); src, mean and std must be at
// least as long. The arithmetic is float64 divisions, no reciprocals and no
// fused multiply-add, so every build (AVX-512 on amd64, Go elsewhere) gives
// the same bytes; normalizeGo is the specification.
func Normalize(dst []uint8, src []float32, mean, std []float64, scale, zero float64) {
	src, mean, std = src[:len(dst)], mean[:len(dst)], std[:len(dst)]
	n := 0
	if hasNormalizeAsm && len(dst) >= 8 {
		n = len(dst) &^ 7
		k := [2]float64{scale, zero}
		normalizeAsm(&dst[0], &src[0], &mean[0], &std[0], n/8, &k)
	}
	normalizeGo(dst[n:], src[n:], mean[n:], std[n:], scale, zero)
}

// normalizeGo is Normalize's Go twin.
func normalizeGo(dst []uint8, src []float32, mean, std []float64, scale, zero float64) {
	src, mean, std = src[:len(dst)], mean[:len(dst)], std[:len(dst)]
	for i := range dst {
		v := (float64(src[i]) - mean[i]) / std[i]
		q := math.Round(v/scale) + zero
		if !(q >= 0) { // also maps NaN to 0
			q = 0
		}
		dst[i] = uint8(min(q, 255))
	}
}
