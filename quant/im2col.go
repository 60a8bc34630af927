package quant

import "encoding/binary"

// im2col writes one row of depth = k*k*c bytes per output pixel of a
// convolution on an HWC image: the patch in (ky, kx, channel) order, the
// order of Conv's packed weight rows, with zp where the patch leaves the
// image. Rows of src are srcRow bytes apart (w*c when dense). In HWC a patch row is one contiguous run of k*c bytes, so the
// interior is k copies per pixel. Only output pixels p0 <= p < p1 (row-major
// over oh x ow) are written, from row 0 of col.
func im2col(col, src []uint8, srcRow, h, w, c, k, stride, top, left, ow, p0, p1 int, zp uint8) {
	depth := k * k * c
	run := k * c
	for p := p0; p < p1; {
		// One output row at a time, patch row by patch row: the source row
		// iy is fixed, and pixels whose run lies inside the image (x0 <= x
		// < x1) are one copy each.
		y, xs := p/ow, p%ow
		xe := min(ow, xs+p1-p)
		x0 := min(max((left+stride-1)/stride, xs), xe)
		x1 := x0
		if w-k+left >= 0 {
			x1 = max(min((w-k+left)/stride+1, xe), x0)
		}
		base := (p - p0 - xs) * depth
		for ky := range k {
			iy := y*stride + ky - top
			off := base + ky*run
			if iy < 0 || iy >= h {
				for x := xs; x < xe; x++ {
					fill(col[off+x*depth:][:run], zp)
				}
				continue
			}
			srow := src[iy*srcRow:][:w*c]
			edge := func(x int) {
				seg := col[off+x*depth:][:run]
				for kx := range k {
					ix := x*stride - left + kx
					if ix < 0 || ix >= w {
						fill(seg[kx*c:(kx+1)*c], zp)
					} else {
						copy(seg[kx*c:(kx+1)*c], srow[ix*c:(ix+1)*c])
					}
				}
			}
			for x := xs; x < x0; x++ {
				edge(x)
			}
			interior(col, off, srow, x0, x1, depth, stride*c, (x0*stride-left)*c, run)
			for x := x1; x < xe; x++ {
				edge(x)
			}
		}
		p += xe - xs
	}
}

// fill sets b to v eight bytes per store: padding runs are 3 to 192 bytes,
// where a byte loop costs more than the copies around it.
func fill(b []uint8, v uint8) {
	v8 := uint64(v) * 0x0101010101010101
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, v8)
		b = b[8:]
	}
	for i := range b {
		b[i] = v
	}
}

// interior copies the run of pixels x0 <= x < x1, at col[off+x*depth] from
// srow[s0 + (x-x0)*sstep], as fixed-size array moves for the runs of CIFAR
// ResNets (3x3 over 16, 32 and 64 channels), which compile inline instead of
// calling memmove for 48 to 192 bytes.
func interior(col []uint8, off int, srow []uint8, x0, x1, depth, sstep, s0, run int) {
	switch run {
	case 48:
		for x, s := x0, s0; x < x1; x, s = x+1, s+sstep {
			*(*[48]uint8)(col[off+x*depth:]) = *(*[48]uint8)(srow[s:])
		}
	case 96:
		for x, s := x0, s0; x < x1; x, s = x+1, s+sstep {
			*(*[96]uint8)(col[off+x*depth:]) = *(*[96]uint8)(srow[s:])
		}
	case 192:
		for x, s := x0, s0; x < x1; x, s = x+1, s+sstep {
			*(*[192]uint8)(col[off+x*depth:]) = *(*[192]uint8)(srow[s:])
		}
	default:
		for x, s := x0, s0; x < x1; x, s = x+1, s+sstep {
			copy(col[off+x*depth:][:run], srow[s:s+run])
		}
	}
}
