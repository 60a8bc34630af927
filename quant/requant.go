package quant

// roundingConsts returns the constants of RoundingDivideByPOT by 2^e as one
// rounded shift: (v + half - (v < 0 ? neg : 0)) >> e. Rounding half away
// from zero adds 2^(e-1) to a positive v and 2^(e-1) - 1 to a negative one
// before flooring; for e = 0 both are zero.
func roundingConsts(e uint) (half, neg int64) {
	if e == 0 {
		return 0, 0
	}
	return 1 << (e - 1), 1
}
