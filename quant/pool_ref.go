package quant

// avgPoolRef is the global average pool of an HWC image of pixels x c bytes
// into c bytes, with TFLite's rounding (reference/integer_ops/pooling.h,
// AveragePool: (sum + count/2) / count for a non-negative sum). Output scale
// and zero point are the input's: the mean of q - zp is the mean of q, - zp.
func avgPoolRef(dst, src []uint8, pixels, c int) {
	for ch := range c {
		var sum int32
		for p := range pixels {
			sum += int32(src[p*c+ch])
		}
		dst[ch] = uint8(min((sum+int32(pixels)/2)/int32(pixels), 255))
	}
}
