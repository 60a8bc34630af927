package quant

import "github.com/edgecache/edgecache/quant/internal/kernel"

// fastAdd prepares the fast path's ADD (kernel.Add: AVX-512 where the CPU
// has it, else per-byte tables), equal to addRef bit for bit
// (TestAddFastMatchesRef tries every byte pair).
func (a *Add) fastAdd() (*kernel.Add, error) {
	lo := uint8(0)
	if a.ReLU {
		lo = a.Output.Zero
	}
	return kernel.NewAdd(a.A.Zero, a.B.Zero, a.MultA, a.ShiftA, a.MultB, a.ShiftB, a.MultOut, a.ShiftOut, a.Output.Zero, lo)
}
