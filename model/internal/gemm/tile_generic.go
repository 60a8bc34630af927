package gemm

// productGeneric is the Go twin of the assembly products: sum[r*nr+p] for
// rows r < MR and positions p < nr, accumulated over k in order.
func productGeneric(sum []float32, a, b []float32, offs []int32, nr int) {
	clear(sum[:MR*nr])
	for k, o := range offs {
		w := a[k*MR : k*MR+MR]
		col := b[o : int(o)+nr]
		for r, wr := range w {
			s := sum[r*nr : r*nr+nr]
			for p, x := range col {
				s[p] += wr * x
			}
		}
	}
}

// computeGeneric is the complete Go twin of a fused kernel.
func computeGeneric(t *Tile) {
	var sum [MR * MaxNR]float32
	productGeneric(sum[:], t.A, t.B, t.Offs.offs, t.NR)
	epilogue(t, &sum)
}
