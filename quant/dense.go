package quant

// denseFast is denseRef through the GEMM: raw bytes, zero point in zpBias.
func denseFast(d *Dense, logits []float32, src []uint8, count int, acc []int32) {
	d.packed.Gemm(count, src, d.In, acc, count)
	for o := range d.Out {
		for n, v := range acc[o*count : (o+1)*count] {
			logits[n*d.Out+o] = d.scale[o] * float32(v+d.zpBias[o])
		}
	}
}
