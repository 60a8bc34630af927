//go:build arm.7 && !noasm

package kernel

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// needNEON skips where the core has no Advanced SIMD (an armv7 core
// without it runs the Go twin, which the other tests cover).
func needNEON(t *testing.T) {
	t.Helper()
	if !cpu.ARM.HasNEON {
		t.Skip("no NEON on this core: the armv7 build runs the Go twin")
	}
}

// The kernels follow the core's HWCAP: neon first where it has NEON, the
// Go twin alone where not (run under qemu-arm-static -cpu cortex-r5f, an
// armv7 core without NEON, to see the second).
func TestARMKernelChoice(t *testing.T) {
	if got := armKernels(false); len(got) != 1 || got[0] != generic {
		t.Errorf("without NEON: %d kernels, first %s; want the Go twin alone", len(got), got[0].name)
	}
	if got := armKernels(true); len(got) != 2 || got[0] != neon || got[1] != generic {
		t.Errorf("with NEON: want neon, go")
	}
	if (best == neon) != cpu.ARM.HasNEON {
		t.Errorf("best kernel %s on a core with HasNEON %v", best.name, cpu.ARM.HasNEON)
	}
	// The epilogues too: TestRequantBlockMatchesRequantGo and TestAdd
	// prove whichever runs here, NEON or the Go twin.
	if hasRequantAsm != cpu.ARM.HasNEON || hasAddAsm != cpu.ARM.HasNEON {
		t.Errorf("NEON requantization %v, ADD %v on a core with HasNEON %v", hasRequantAsm, hasAddAsm, cpu.ARM.HasNEON)
	}
}

// tilesNEON called directly on whole tiles: pairs pairs of pixels against
// one panel, every depth from 16 to 80 (whole blocks, the partial last
// block through the shuffle, both), rows of b and c with gaps full of
// guard values, compared with gemmGeneric, the Go twin, value by value.
func TestTilesNEONMatchesGoTwin(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(71, 72))
	for depth := 16; depth <= 80; depth++ {
		for _, pairs := range []int{1, 2, 3, 7} {
			n := 2 * pairs
			ldb := depth + r.IntN(20)
			ldc := n + r.IntN(5)
			a := make([]int8, 4*depth)
			for i := range a {
				a[i] = int8(r.IntN(255) - 127)
			}
			// Every other case at the extremes, where the int16 pair sums
			// are largest.
			if depth%2 == 0 {
				for i := range a {
					a[i] = int8(127 - 254*(i%2)*(depth/2%2))
				}
			}
			w, err := packWeights(neon, 4, depth, a)
			if err != nil {
				t.Fatal(err)
			}
			if w.kern != neon {
				t.Fatalf("depth %d: packed for %s", depth, w.kern.name)
			}
			b := make([]uint8, (n-1)*ldb+depth)
			for i := range b {
				b[i] = uint8(r.Uint32())
				if depth%2 == 0 && pairs == 1 {
					b[i] = 255 * uint8(i%2)
				}
			}
			want := make([]int32, 3*ldc+n+8)
			got := make([]int32, len(want))
			for i := range got {
				got[i], want[i] = guard, guard
			}
			gemmGeneric(4, depth, a, n, b, ldb, want[4:], ldc)
			tilesNEON(&w.panels[0], &w.corr[0], depth/16, depth%16, &w.shuf[0], &b[0], ldb, pairs, &got[4], ldc)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("depth %d, %d pairs, ldb %d, ldc %d: c[%d] = %d, want %d (guard %d)",
						depth, pairs, ldb, ldc, i-4, got[i], want[i], guard)
				}
			}
		}
	}
}

// Whole products through Gemm on odd shapes (ragged panels and pixel
// counts, depths below, at and past a block) against the Go twin, with
// offsets into b and c and guard values around them (gemmCase.check).
func TestGemmNEONOddShapes(t *testing.T) {
	needNEON(t)
	r := rand.New(rand.NewPCG(73, 74))
	for _, m := range []int{1, 3, 4, 5, 6, 7, 9, 10, 13} {
		for _, depth := range []int{15, 16, 17, 18, 27, 31, 32, 33, 47, 144, 145, 288, 577} {
			for _, n := range []int{1, 2, 3, 5, 64, 67} {
				randCase(r, m, depth, n).check(t, neon)
			}
		}
	}
}

// BenchmarkTilesNEON is one 3x3 convolution of the last stage (64 channels,
// depth 576, 64 pixels) with the NEON kernel against the Go twin in the
// same run.
func BenchmarkTilesNEON(b *testing.B) {
	if !cpu.ARM.HasNEON {
		b.Skip("no NEON on this core")
	}
	const m, depth, n = 64, 576, 64
	r := rand.New(rand.NewPCG(75, 76))
	a := make([]int8, m*depth)
	for i := range a {
		a[i] = int8(r.IntN(255) - 127)
	}
	x := make([]uint8, n*depth)
	for i := range x {
		x[i] = uint8(r.Uint32())
	}
	c := make([]int32, m*n)
	for _, k := range []*kernel{neon, generic} {
		w, err := packWeights(k, m, depth, a)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				w.Gemm(n, x, depth, c, n)
			}
			b.ReportMetric(float64(m*depth*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
