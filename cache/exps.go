package cache

import "math"

// The lookup's exponentials, one per item within the cutoff, are its second
// cost after the dot products (on a Pi the larger part of it when done one by
// one in float64), so they run as a vector kernel over each block of
// similarities:
//
//	expsBody(dst, src, n, theta, m): dst[i] = exp(theta * (src[i] - m)), or 0
//	                                 where theta * (src[i] - m) < -cutoff, i < n
//
// with n a multiple of 8, src[i] <= m and theta finite and >= 0. Every path
// computes it the same way in float32 (Cephes' expf scheme): d = (s - m) *
// theta, r = d * log2(e) rounded to nearest even, f = d - r ln2 with ln 2
// split in two (ln2Hi has few enough bits that r * ln2Hi is exact, so f
// carries no rounding of r ln 2; |f| <= ln2 / 2), e^f from its degree-6
// Taylor polynomial (remainder below (ln2/2)^7/7! = 1.2e-7 relative), and
// 2^r added into the exponent field (IEEE 754 binary32: 8-bit exponent at
// bit 23; r >= -58 stays normal). Relative error below 3e-7 against exp in
// float64 (TestExps); the sums the terms go into are float64.

// ln2Hi + ln2Lo = ln 2 to float32 precision twice over (Cephes, expf.c: C1,
// C2).
const (
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
)

// expCoef holds log2(e), -cutoff, ln2Hi, ln2Lo and the polynomial's
// coefficients 1/k! for k = 1..6 (k = 0's is also 1), as float32, in the
// order the assembly loads them.
var expCoef = [10]float32{math.Log2E, -cutoff, ln2Hi, ln2Lo, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720}

// exps writes dst[i] = exp(theta * (src[i] - m)) (0 below the cutoff) for
// i < len(src): the kernel on the body, the twin on the tail.
func exps(ks *kernelSet, dst, src []float32, theta, m float32) {
	n := len(src)
	dst = dst[:n]
	body := n &^ 7
	if ks.expsBody != nil && body > 0 {
		ks.expsBody(&dst[0], &src[0], body, theta, m)
	} else {
		body = 0
	}
	expsGeneric(dst[body:], src[body:], theta, m)
}

// expsGeneric is the pure-Go twin of expsBody.
func expsGeneric(dst, src []float32, theta, m float32) {
	c := &expCoef
	for i, s := range src {
		d := (s - m) * theta
		if !(d >= c[1]) {
			dst[i] = 0
			continue
		}
		r := float32(math.RoundToEven(float64(d * c[0])))
		f := d - r*c[2]
		f -= r * c[3]
		p := c[9]
		p = p*f + c[8]
		p = p*f + c[7]
		p = p*f + c[6]
		p = p*f + c[5]
		p = p*f + c[4]
		p = p*f + c[4]
		dst[i] = math.Float32frombits(math.Float32bits(p) + uint32(int32(r))<<23)
	}
}
