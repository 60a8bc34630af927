package quant

// im2col writes one row of depth = k*k*c bytes per output pixel of a
// convolution on an HWC image: the patch in (ky, kx, channel) order, the
// order of Conv's packed weight rows, with zp where the patch leaves the
// image. In HWC a patch row is one contiguous run of k*c bytes, so the
// interior is k copies per pixel.
func im2col(col, src []uint8, h, w, c, k, stride, top, left, oh, ow int, zp uint8) {
	depth := k * k * c
	run := k * c
	for y := range oh {
		for x := range ow {
			row := col[(y*ow+x)*depth : (y*ow+x+1)*depth]
			ix0 := x*stride - left
			for ky := range k {
				seg := row[ky*run : (ky+1)*run]
				iy := y*stride + ky - top
				switch {
				case iy < 0 || iy >= h:
					fill(seg, zp)
				case ix0 >= 0 && ix0+k <= w:
					copyRun(seg, src[(iy*w+ix0)*c:(iy*w+ix0+k)*c])
				default:
					for kx := range k {
						ix := ix0 + kx
						if ix < 0 || ix >= w {
							fill(seg[kx*c:(kx+1)*c], zp)
						} else {
							copy(seg[kx*c:(kx+1)*c], src[(iy*w+ix)*c:(iy*w+ix+1)*c])
						}
					}
				}
			}
		}
	}
}

func fill(b []uint8, v uint8) {
	for i := range b {
		b[i] = v
	}
}

// copyRun is copy for the patch runs of CIFAR ResNets (3x3 over 16, 32 and
// 64 channels), as fixed-size array moves that compile inline instead of
// calling memmove for 48 to 192 bytes.
func copyRun(dst, src []uint8) {
	switch len(dst) {
	case 48:
		*(*[48]uint8)(dst) = *(*[48]uint8)(src)
	case 96:
		*(*[96]uint8)(dst) = *(*[96]uint8)(src)
	case 192:
		*(*[192]uint8)(dst) = *(*[192]uint8)(src)
	default:
		copy(dst, src)
	}
}
