package host

import (
	"math"

	"github.com/edgecache/edgecache/cache"
)

// expNeg is exp(x) for -cache.Cutoff-1 <= x <= 0 to within 1e-8 relative, without
// math.Exp's range reduction and special cases: the host's tuning ladders
// (ladder.go) compute a few per query and item. Board lookups use the vector
// kernels of cache/exps.go instead.
//
// exp(x) = 2^t with t = x*log2(e) = i + f, i = round(t), |f| <= 1/2; 2^f is
// the Taylor series of exp(f*ln 2) to degree 8 (the remainder is below
// (ln2/2)^9/9! = 2.0e-10 relative) and 2^i goes into the exponent field of the
// float64 (IEEE 754: 11-bit exponent at bit 52; i >= -60 stays normal).
func expNeg(x float64) float64 {
	t := x * math.Log2E
	i := math.Floor(t + 0.5)
	f := (t - i) * math.Ln2
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040+f*(1.0/40320))))))))
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(i))<<52)
}

// expNeg0 is expNeg for any x <= 0, with exp(x) below e^-(cutoff+1) taken
// as 0 (terms that small are dropped anyway; see cache.Cutoff and ladderFloor).
func expNeg0(x float64) float64 {
	if x < -cache.Cutoff-1 {
		return 0
	}
	return expNeg(x)
}
