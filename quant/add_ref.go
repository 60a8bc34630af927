package quant

// addRef is TFLite's quantized ADD (reference/integer_ops/add.h,
// AddElementwise) with the block's ReLU fused as the clamp: each input loses
// its zero point, is shifted up addLeftShift bits and rescaled by its own
// multiplier to a common scale; the sum is rescaled to the output.
func addRef(a *Add, dst, x, y []uint8) {
	lo := int32(0)
	if a.ReLU {
		lo = int32(a.Output.Zero)
	}
	za, zb, zo := int32(a.A.Zero), int32(a.B.Zero), int32(a.Output.Zero)
	sa, sb, so := int(a.ShiftA), int(a.ShiftB), int(a.ShiftOut)
	for i := range dst {
		va := (int32(x[i]) - za) * (1 << addLeftShift)
		vb := (int32(y[i]) - zb) * (1 << addLeftShift)
		sum := multiplyByQuantizedMultiplier(va, a.MultA, sa) + multiplyByQuantizedMultiplier(vb, a.MultB, sb)
		v := multiplyByQuantizedMultiplier(sum, a.MultOut, so) + zo
		dst[i] = uint8(min(max(v, lo), 255))
	}
}
