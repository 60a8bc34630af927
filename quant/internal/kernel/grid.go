package kernel

import "fmt"

// GemmRequantGrid is GemmRequantSegments over a rows x cols grid of output
// pixels, the whole output of a convolution read in place from its padded
// input: pixel (y, x) reads its segs runs of Depth/segs bytes at
// b[y*rowStride + x*ldb + s*segStride:] and is written at
// dst[y*ldRow + x*ldd:] (ldRow = cols*ldd for a dense image; one padded
// row, so that the output is the next convolution's padded input). With ldb = stride*channels, rowStride =
// stride*segStride and segStride one padded input row, that is any
// convolution, stride 2 included, with no im2col and no padded-width
// output to copy back.
//
// The vnni kernel computes 16 pixels per tile: two output rows of 8 pixels
// when cols is a multiple of 8, a column of such tiles per call (a last odd
// row as whole tiles of 16 when cols is a multiple of 16), so no tile
// computes pixels that are then dropped. Other widths, and kernels without a
// fused epilogue, go row by row through GemmRequantSegments. Only the bytes described are
// read or written; slices too short for the shapes panic, as in
// GemmRequant.
func (w *Weights) GemmRequantGrid(rows, cols int, b []uint8, rowStride, ldb, segs, segStride int, dst []uint8, ldd, ldRow int, rq *Requant) {
	if rows <= 0 || cols <= 0 {
		return
	}
	if segs < 1 || w.Depth%segs != 0 {
		panic(fmt.Sprintf("kernel: depth %d in %d segments", w.Depth, segs))
	}
	if rq.m != w.M {
		panic(fmt.Sprintf("kernel: requantization for %d channels, weights have %d", rq.m, w.M))
	}
	seg := w.Depth / segs
	// The last byte read is (rows-1)*rowStride + (cols-1)*ldb +
	// (segs-1)*segStride + seg, checked term by term with divisions so
	// that no product can overflow a 32-bit int.
	room := len(b) - seg
	bad := ldb < 0 || segStride < 0 || rowStride < 0 || room < 0
	for _, t := range [][2]int{{segs - 1, segStride}, {cols - 1, ldb}, {rows - 1, rowStride}} {
		if !bad && t[0] > 0 {
			bad = t[1] > room/t[0]
			room -= t[0] * t[1]
		}
	}
	if bad {
		panic(fmt.Sprintf("kernel: b holds %d bytes, not %dx%d pixels (%d apart, rows %d apart) of %d runs of %d bytes %d apart",
			len(b), rows, cols, ldb, rowStride, segs, seg, segStride))
	}
	// The last byte written is (rows-1)*ldRow + (cols-1)*ldd + M, checked
	// the same way; pixels of a row must not overlap, nor rows.
	room = len(dst) - w.M
	bad = room < 0 || (cols > 1 && ldd < w.M) || ldd < 0 || (rows > 1 && ldRow < (cols-1)*ldd+w.M)
	for _, t := range [][2]int{{cols - 1, ldd}, {rows - 1, ldRow}} {
		if !bad && t[0] > 0 {
			bad = t[1] > room/t[0]
			room -= t[0] * t[1]
		}
	}
	if bad {
		panic(fmt.Sprintf("kernel: dst holds %d bytes, not %dx%d pixels of %d bytes %d apart, rows %d apart", len(dst), rows, cols, w.M, ldd, ldRow))
	}
	k := w.kern
	fused := k.asm != 0 && k.rqAsm != 0 && seg%k.block == 0
	half := k.cols / 2
	switch {
	case fused && cols%half == 0 && rows >= 2:
		// Tiles of two output rows of half a tile each, one column of
		// them per call: long calls, as the pipelined kernel wants (it
		// finishes each tile during the next one's loop, the last alone).
		for x := 0; x < cols; x += half {
			w.gridTiles(b[x*ldb:], ldb, rows/2, rowStride, 2*rowStride, segs, segStride, dst[x*ldd:], ldd, ldRow, 2*ldRow, rq)
		}
		if rows%2 == 1 {
			y := rows - 1
			w.GemmRequantGrid(1, cols, b[y*rowStride:], rowStride, ldb, segs, segStride, dst[y*ldRow:], ldd, ldRow, rq)
		}
	case fused && cols%k.cols == 0:
		for y := range rows {
			w.gridTiles(b[y*rowStride:], ldb, cols/k.cols, 8*ldb, 16*ldb, segs, segStride, dst[y*ldRow:], ldd, 8*ldd, 16*ldd, rq)
		}
	default:
		for y := range rows {
			w.GemmRequantSegments(cols, b[y*rowStride:], ldb, segs, segStride, dst[y*ldRow:], ldd, rq)
		}
	}
}

// gridTiles runs the fused kernel on groups tiles of 16 pixels whose
// second halves start half bytes after their first and which are gstep
// apart; their outputs are placed alike by dhalf and dstep. Tiles go in
// chunks of about chunkBytes of input, every panel per chunk, as
// gemmRequantTiles.
func (w *Weights) gridTiles(b []uint8, ldb, groups, half, gstep, segs, segStride int, dst []uint8, ldd, dhalf, dstep int, rq *Requant) {
	k := w.kern
	rows, cols := k.rows, k.cols
	npanel := (w.M + rows - 1) / rows
	panelBytes := len(w.panels) / npanel
	seg := w.Depth / segs
	step := max(1, chunkBytes/(cols*w.Depth))
	if w.panelPasses(npanel) == 1 {
		// Chunks keep the input in the cache between panel passes; with
		// one pass, one call.
		step = groups
	}
	for q := 0; q < groups; q += step {
		nq := min(step, groups-q)
		for p := 0; p < npanel; p++ {
			if done := w.panelPairs(p, panelBytes, &b[q*gstep], ldb, nq, half, gstep, segs, segStride, &dst[q*dstep+p*rows], ldd, dhalf, dstep, rq); done > 0 {
				p += done - 1
				continue
			}
			mask := uint32(1)<<min(w.M-p*rows, rows) - 1
			runRequantTiles(k.rqAsm, &w.panels[p*panelBytes], seg/k.block, 0,
				&b[q*gstep], ldb, nq, &rq.vec[p*rqVecs*16], &dst[q*dstep+p*rows], ldd, mask, segs, segStride, half, gstep, dhalf, dstep, rq.left)
		}
	}
}

// GridRows is the number of output rows that GemmRequantGrid computes in
// whole assembly tiles for a grid cols pixels wide whose runs are seg bytes,
// so that callers splitting a grid across threads cut it there: 1 when cols
// is a multiple of the tile, 2 when it is half a tile (two rows per tile),
// 0 when the grid would not run in assembly (InPlace false, other widths).
func (w *Weights) GridRows(seg, cols int) int {
	if !w.InPlace(seg) || cols <= 0 {
		return 0
	}
	switch k := w.kern; {
	case cols%k.cols == 0:
		return 1
	case 2*cols == k.cols:
		return 2
	}
	return 0
}
