package gemm

import "fmt"

// Spread copies groups x rows rows of w values, contiguous in src, into dst:
// row y of group g starts at dst[g*groupStride + y*rowStride]. It is how a
// convolution lays an image out in its zero-padded planes (the gaps between
// rows are the padding, which Spread never touches).
func Spread(dst, src []float32, groups, rows, w, rowStride, groupStride int) {
	if groups <= 0 || rows <= 0 || w <= 0 {
		return
	}
	if err := checkSpread(len(dst), len(src), groups, rows, w, rowStride, groupStride); err != nil {
		panic(err)
	}
	spread(dst, src, groups, rows, w, rowStride, groupStride)
}

func checkSpread(ldst, lsrc, groups, rows, w, rowStride, groupStride int) error {
	if rowStride < w || groupStride < 0 {
		return fmt.Errorf("gemm: spread row stride %d for rows of %d, group stride %d", rowStride, w, groupStride)
	}
	if lsrc < groups*rows*w {
		return fmt.Errorf("gemm: spread source holds %d values, want %d", lsrc, groups*rows*w)
	}
	if end := (groups-1)*groupStride + (rows-1)*rowStride + w; ldst < end {
		return fmt.Errorf("gemm: spread destination holds %d values, want %d", ldst, end)
	}
	return nil
}

// spreadGeneric is the Go twin of the assembly spreads.
func spreadGeneric(dst, src []float32, groups, rows, w, rowStride, groupStride int) {
	for g := 0; g < groups; g++ {
		d := dst[g*groupStride:]
		for y := 0; y < rows; y++ {
			copy(d[y*rowStride:y*rowStride+w], src[:w])
			src = src[w:]
		}
	}
}
