package quant

// addTables precomputes the first half of addRef for every byte: input A's
// and B's rescaled values (zero point removed, shifted up addLeftShift bits,
// multiplied by their multipliers), which depend on one byte each. The fast
// add is then two lookups and one MultiplyByQuantizedMultiplier per value,
// equal to addRef bit for bit (TestAddFastMatchesRef tries every byte pair).
type addTables struct {
	a, b [256]int32
}

func (a *Add) tables() *addTables {
	t := &addTables{}
	for q := range 256 {
		t.a[q] = multiplyByQuantizedMultiplier((int32(q)-int32(a.A.Zero))*(1<<addLeftShift), a.MultA, int(a.ShiftA))
		t.b[q] = multiplyByQuantizedMultiplier((int32(q)-int32(a.B.Zero))*(1<<addLeftShift), a.MultB, int(a.ShiftB))
	}
	return t
}

// addFast is addRef through the tables of a.
func addFast(a *Add, t *addTables, dst, x, y []uint8) {
	x, y = x[:len(dst)], y[:len(dst)]
	lo := int32(0)
	if a.ReLU {
		lo = int32(a.Output.Zero)
	}
	zo := int32(a.Output.Zero)
	// The output multiplier is below one (Add.valid): a right shift only.
	mult, right := int64(a.MultOut), uint(-a.ShiftOut)
	half, neg := roundingConsts(right)
	for i := range dst {
		sum := int64(t.a[x[i]] + t.b[y[i]])
		// SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT, as
		// in requantRow.
		v := (sum*mult + 1<<30) >> 31
		r := int32((v + half - (v>>63)&neg) >> right)
		dst[i] = uint8(min(max(r+zo, lo), 255))
	}
}
