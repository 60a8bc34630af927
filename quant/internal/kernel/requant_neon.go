package kernel

// The 4-channel layout of the arm64 epilogue (requant_arm64.s): per group
// of 4 output channels, 16 int32: bias, multiplier, left shift and minus
// the right shift of each channel; and one shared vector of 12: the zero
// point, the lower clamp and 255, 4 lanes each.
const rq4Vecs = 16

// quadVec builds the 4-channel constants of the first m&^3 channels.
func (r *Requant) quadVec() ([]int32, [12]int32) {
	q := make([]int32, r.m/4*rq4Vecs)
	for i := range r.m &^ 3 {
		g, l := i/4, i%4
		s := int32(r.shift[i])
		q[g*rq4Vecs+l] = r.bias[i]
		q[g*rq4Vecs+4+l] = r.mult[i]
		q[g*rq4Vecs+8+l] = max(s, 0)
		q[g*rq4Vecs+12+l] = min(s, 0)
	}
	var lim [12]int32
	for l := range 4 {
		lim[l], lim[4+l], lim[8+l] = int32(r.zero), int32(r.lo), 255
	}
	return q, lim
}

// requantBlock requantizes the M x nc channel-major sums acc (Gemm's
// layout, ldc = nc) into pixel-major bytes dst[j*ldd+i]: in assembly where
// there is an epilogue kernel (hasRequantAsm: whole groups of 4 channels
// by 4 pixels), the rest through requantRow.
func (r *Requant) requantBlock(dst []uint8, ldd int, acc []int32, nc int) {
	c4, n4 := 0, 0
	if hasRequantAsm && r.m >= 4 && nc >= 4 {
		c4, n4 = r.m&^3, nc&^3
		// The kernel writes dst[j*ldd + i] for j < n4, i < c4: in range,
		// as GemmRequant checked dst for all nc pixels and M channels.
		requantAsm(&acc[0], nc, &dst[0], ldd, &r.quad[0], c4/4, &r.lim[0], n4/4)
	}
	for i := range r.m {
		from := n4
		if i >= c4 {
			from = 0
		}
		if from < nc {
			r.requantRow(dst[from*ldd+i:], ldd, acc[i*nc+from:(i+1)*nc], i)
		}
	}
}
