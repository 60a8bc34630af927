package model

import "math"

// Softmax writes the class probabilities of one row of logits into dst. It
// shifts by the largest logit so no exp overflows, and sums in float64, so
// the host (tuning the cache) and the board (using it) mix the same p_net.
func Softmax(dst, logits []float32) {
	m := math.Inf(-1)
	for _, v := range logits {
		m = max(m, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - m)
	}
	for i, v := range logits {
		dst[i] = float32(math.Exp(float64(v)-m) / sum)
	}
}
