package quant

// denseRef is the final layer for count images of d.In pooled bytes each:
// int32 accumulation as TFLite's fully connected (reference/integer_ops/
// fully_connected.h, per channel) without its requantization: the logits
// are dequantized to float32 instead, logit = Input.Scale * WScale[o] * acc.
func denseRef(d *Dense, logits []float32, src []uint8, count int) {
	zp := int32(d.Input.Zero)
	for n := range count {
		x := src[n*d.In : (n+1)*d.In]
		for o := range d.Out {
			acc := d.Bias[o]
			for i, w := range d.Weight[o*d.In : (o+1)*d.In] {
				acc += int32(w) * (int32(x[i]) - zp)
			}
			logits[n*d.Out+o] = d.scale[o] * float32(acc)
		}
	}
}
