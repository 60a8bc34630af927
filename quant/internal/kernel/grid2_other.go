//go:build !amd64 || noasm

package kernel

// panelPairs: no two-panel kernel in this build.
func (w *Weights) panelPairs(p, panelBytes int, b *uint8, ldb, groups, half, gstep, segs, segStride int, dst *uint8, ldd, dhalf, dstep int, rq *Requant) int {
	return 0
}

// panelPasses: one pass per panel.
func (w *Weights) panelPasses(npanel int) int { return npanel }
