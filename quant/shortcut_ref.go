package quant

// shortcutARef is option A on bytes (model's shortcutA, in HWC): every
// stride-th pixel, its in channels placed in the middle of out, the new
// channels filled with the zero point (real zero). It only moves bytes, so
// its output keeps its input's scale and zero point.
func shortcutARef(dst, src []uint8, in, size, out, stride int, zp uint8) {
	os := (size + stride - 1) / stride
	lo := (out - in) / 2
	for y := range os {
		for x := range os {
			d := dst[(y*os+x)*out : (y*os+x+1)*out]
			fill(d, zp)
			copy(d[lo:lo+in], src[((y*stride)*size+x*stride)*in:][:in])
		}
	}
}
