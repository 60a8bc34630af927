// Package bound holds the tolerance the cache's kernel tests derive from
// numerical analysis instead of picking by hand, shared by the board kernels'
// tests (cache) and the host scan's (cache/host).
package bound

import "math"

// Order is the tolerance between two float32 sums of the same n terms (abs:
// the sum of their magnitudes) taken in different orders: each is within
// gamma(n) * abs of the exact sum, gamma(n) = n u / (1 - n u) with u = 2^-24
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., eq.
// 3.5; an FMA rounds once, which only tightens it), so they differ by at most
// twice that.
func Order(n int, abs float64) float64 {
	u := math.Ldexp(1, -24)
	m := float64(n)
	return 2*m*u/(1-m*u)*abs + 1e-30
}
