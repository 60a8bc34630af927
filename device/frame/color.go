package frame

import "math"

// inv is the 8-bit to [0, 1] scale, as model.Pixels applies it (a float32
// multiply by 1/255), so a frame that is already S x S gives its tensor
// bit for bit.
const inv float32 = 1.0 / 255

// rgb writes averaged 8-bit R, G, B planes as [0, 1] pixels.
func rgb(dst []float32, r, g, b []float32) {
	n := len(r)
	for i := range n {
		dst[i] = r[i] * inv
		dst[n+i] = g[i] * inv
		dst[2*n+i] = b[i] * inv
	}
}

// jfif converts averaged JPEG Y, Cb, Cr planes (JFIF: full range BT.601) to
// [0, 1] RGB with the arithmetic of Go's color.YCbCr.RGBA (16.16 fixed
// point, coefficients 1.402, 0.34414, 0.71414, 1.772 scaled by 65536 and the
// luma by 0x10101, then the top 8 bits, as model.Pixels reads them): on an
// unscaled pixel it gives exactly what model.Pixels gives for the decoded
// image, and on an average it is the same conversion without the rounding
// to integers in between. float64 keeps the products exact.
func jfif(dst []float32, y, cb, cr []float32) {
	n := len(y)
	for i := range n {
		yy := float64(y[i]) * 0x10101
		b1, r1 := float64(cb[i])-128, float64(cr[i])-128
		dst[i] = top8(yy+91881*r1) * inv
		dst[n+i] = top8(yy-22554*b1-46802*r1) * inv
		dst[2*n+i] = top8(yy+116130*b1) * inv
	}
}

// top8 is clamp(floor(v / 65536), 0, 255).
func top8(v float64) float32 {
	return float32(math.Max(0, math.Min(255, math.Floor(v/65536))))
}

// bt601 converts averaged YUYV planes (BT.601 limited range: Y in 16..235,
// U and V in 16..240, the quantization V4L2 assumes for Y'CbCr from a
// camera; Linux media documentation, "Colorspaces", and ITU-R BT.601
// coefficients) to [0, 1] RGB.
func bt601(dst []float32, y, u, v []float32) {
	n := len(y)
	const ky, rv, gu, gv, bu = 255.0 / 219, 255.0 / 224 * 1.402, 255.0 / 224 * 1.772 * 0.114 / 0.587,
		255.0 / 224 * 1.402 * 0.299 / 0.587, 255.0 / 224 * 1.772
	for i := range n {
		l := (y[i] - 16) * ky
		u1, v1 := u[i]-128, v[i]-128
		dst[i] = clamp01((l + rv*v1) / 255)
		dst[n+i] = clamp01((l - gu*u1 - gv*v1) / 255)
		dst[2*n+i] = clamp01((l + bu*u1) / 255)
	}
}

func clamp01(v float32) float32 { return max(0, min(1, v)) }

// expand5 and expand6 widen 5- and 6-bit samples to 8 bits by repeating their top
// bits, so full scale maps to 255 and zero to 0.
func expand5(v uint16) uint8 { return uint8(v<<3 | v>>2) }
func expand6(v uint16) uint8 { return uint8(v<<2 | v>>4) }
