//go:build amd64 && !noasm

package kernel

// tilesVNNIRq2 is tilesVNNIRq for two whole panels of 16 channels at once,
// 8 pixels at a time (tiles_vnni_amd64.s): 10 loads per 16 VPDPBUSD
// instead of 17, and each half tile requantized during the next one's loop.
//
//go:noescape
func tilesVNNIRq2(a *byte, pstride, blocks int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd, segs, segStride, half, gstep, dhalf, dstep int, left bool)

// tilesVNNIRqP is tilesVNNIRq for runs of whole blocks with each tile's
// requantization done during the next tile's loop (tiles_vnni_amd64.s).
//
//go:noescape
func tilesVNNIRqP(a *byte, blocks int, b *uint8, ldb, groups int, rq *int32, dst *uint8, ldd int, mask uint32, segs, segStride, half, gstep, dhalf, dstep int, left bool)

// pairPanels turns panelPairs on (tests and benchmarks compare both).
var pairPanels = true

// panelPairs runs panels p and p+1 of a gridTiles call together
// (tilesVNNIRq2) when the kernel is vnni and both are whole, or panel p
// alone (tilesVNNIRqP), and reports how many panels it did: 0 when the
// kernel is not vnni and the caller runs its own. (A one-panel kernel with tilesVNNIRq2's loads
// per VPDPBUSD, 8 pixels by 8 bytes of depth per step, VPBROADCASTQ and
// the weights' blocks interleaved by VPUNPCKLDQ/HDQ, pipelined too,
// measured no faster than tilesVNNIRqP on the 16-channel stage: what its
// loop saves, merging the lane pairs and a denser epilogue cost.)
func (w *Weights) panelPairs(p, panelBytes int, b *uint8, ldb, groups, half, gstep, segs, segStride int, dst *uint8, ldd, dhalf, dstep int, rq *Requant) int {
	if !pairPanels || w.kern != vnni {
		return 0
	}
	if w.M < (p+2)*16 {
		mask := uint32(1)<<min(w.M-p*16, 16) - 1
		tilesVNNIRqP(&w.panels[p*panelBytes], w.Depth/segs/4, b, ldb, groups, &rq.vec[p*rqVecs*16], dst, ldd, mask, segs, segStride, half, gstep, dhalf, dstep, rq.left)
		return 1
	}
	tilesVNNIRq2(&w.panels[p*panelBytes], panelBytes, w.Depth/segs/4, b, ldb, groups, &rq.vec[p*rqVecs*16], dst, ldd, segs, segStride, half, gstep, dhalf, dstep, rq.left)
	return 2
}

// panelPasses is how many passes gridTiles makes over its input for
// npanel panels: panelPairs takes them two at a time.
func (w *Weights) panelPasses(npanel int) int {
	if !pairPanels || w.kern != vnni {
		return npanel
	}
	return (npanel + 1) / 2
}
