//go:build !noasm

package kernel

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// maddubsKernel returns the maddubs kernel, skipping without AVX2.
func maddubsKernel(t *testing.T) *kernel {
	t.Helper()
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	for _, k := range kernels(t) {
		if k == maddubs {
			return k
		}
	}
	t.Fatal("AVX2 present but maddubs not in the kernel list")
	return nil
}

// The values either side of the lo/hi split (x&0x7F, x>>7) and of int16
// saturation, in every pairing: equal neighbours make each VPMADDUBSW pair
// sum 2*x*w, up to 2*255*127 = 64770, which a single saturating step would
// clamp to 32767. Odd m, n and depth put values in ragged tiles and in the
// shuffled last block; the guard values in check catch stray writes.
func TestMaddubsSplitExact(t *testing.T) {
	k := maddubsKernel(t)
	r := rand.New(rand.NewPCG(11, 12))
	xs := []uint8{0, 1, 126, 127, 128, 129, 254, 255}
	ws := []int8{-127, -126, -1, 0, 1, 126, 127}
	for _, s := range [][3]int{{5, 33, 7}, {4, 16, 4}, {7, 47, 9}, {3, 17, 5}, {9, 255, 3}} {
		for _, x := range xs {
			for _, w := range ws {
				g := randCase(r, s[0], s[1], s[2])
				for i := range g.a {
					g.a[i] = w
				}
				for j := 0; j < g.n; j++ {
					for kk := 0; kk < g.depth; kk++ {
						g.b[g.boff+j*g.ldb+kk] = x
					}
				}
				g.check(t, k)
			}
		}
		// Mixed extremes: each pair of depth values takes one of the
		// listed values at random, so pairs straddle the split.
		for range 20 {
			g := randCase(r, s[0], s[1], s[2])
			for i := range g.a {
				g.a[i] = ws[r.IntN(len(ws))]
			}
			for j := 0; j < g.n; j++ {
				for kk := 0; kk < g.depth; kk++ {
					g.b[g.boff+j*g.ldb+kk] = xs[r.IntN(len(xs))]
				}
			}
			g.check(t, k)
		}
	}
}

// The kernel really runs (depth >= 16) rather than the Go twin it falls
// back to for shorter depths, and every depth 16..80 (each tail length)
// matches gemmRef.
func TestMaddubsDepths(t *testing.T) {
	k := maddubsKernel(t)
	r := rand.New(rand.NewPCG(13, 14))
	for depth := 1; depth <= 80; depth++ {
		g := randCase(r, 1+r.IntN(9), depth, 1+r.IntN(13))
		w, err := packWeights(k, g.m, g.depth, g.a)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "maddubs", false: "go"}[depth >= 16]; w.Kernel() != want {
			t.Fatalf("depth %d: packed for %s, want %s", depth, w.Kernel(), want)
		}
		g.check(t, k)
	}
}

// GemmRequant goes through Gemm and the Go epilogue for this kernel; it must
// equal the Go twin's result.
func TestMaddubsRequant(t *testing.T) {
	k := maddubsKernel(t)
	r := rand.New(rand.NewPCG(15, 16))
	for _, s := range [][3]int{{16, 144, 37}, {5, 27, 9}, {10, 64, 1}} {
		g := randCase(r, s[0], s[1], s[2])
		bias := make([]int32, g.m)
		mult := make([]int32, g.m)
		shift := make([]int8, g.m)
		for i := range g.m {
			bias[i] = int32(r.IntN(1<<16)) - 1<<15
			mult[i] = 1<<30 + int32(r.IntN(1<<30))
			shift[i] = int8(-12 - r.IntN(6))
		}
		rq, err := NewRequant(g.m, bias, mult, shift, uint8(r.IntN(256)), 0)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]uint8, g.n*g.m)
		want := make([]uint8, g.n*g.m)
		for i, kk := range []*kernel{k, generic} {
			w, err := packWeights(kk, g.m, g.depth, g.a)
			if err != nil {
				t.Fatal(err)
			}
			dst := [][]uint8{got, want}[i]
			w.GemmRequant(g.n, g.b[g.boff:], g.ldb, dst, g.m, rq)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: byte %d = %d, Go twin %d", g, i, got[i], want[i])
			}
		}
	}
}
