// Package gauss holds the sampled Gaussian kernel the host tools blur with:
// the simulated camera's lens (tools/framesim) and the robustness study's
// blur attack (tools/robust), which differ in where they cut the kernel and
// how they treat edges, not in the kernel.
package gauss

import "math"

// Kernel is the Gaussian of standard deviation sigma sampled at the 2r+1
// integers -r..r and normalised to sum 1 (so a flat image stays flat
// however the tails are cut). sigma must be positive and r >= 0.
func Kernel(sigma float64, r int) []float64 {
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}
