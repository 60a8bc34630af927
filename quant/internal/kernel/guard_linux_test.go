package kernel

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// fenced returns a slice of size bytes whose first byte starts a page and
// whose last byte ends one (when start is false), between two inaccessible
// pages, so a kernel reading before or after b faults.
func fenced(t *testing.T, size int, atStart bool) []byte {
	t.Helper()
	ps := syscall.Getpagesize()
	pages := (size + ps - 1) / ps
	mem, err := syscall.Mmap(-1, 0, (pages+2)*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[(pages+1)*ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if atStart {
		return mem[ps : ps+size]
	}
	return mem[(pages+1)*ps-size : (pages+1)*ps]
}

// TestGemmReadsOnlyB puts b against inaccessible pages on either side: a
// kernel that reads a byte before the first row or past the last row's
// Depth values crashes the test binary.
func TestGemmReadsOnlyB(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range kernels(t) {
		for _, depth := range []int{1, 3, 15, 16, 17, 27, 31, 33, 64, 144, 145} {
			for _, n := range []int{1, 3, 4, 5, 8, 16, 17, 32} {
				for _, atStart := range []bool{true, false} {
					g := randCase(r, 1+r.IntN(9), depth, n)
					g.boff = 0
					size := (n-1)*g.ldb + depth
					g.b = fenced(t, size, atStart)
					for i := range g.b {
						g.b[i] = uint8(r.Uint32())
					}
					g.check(t, k)
				}
			}
		}
	}
}

// TestGemmRequantTouchesOnlyBAndDst fences b as TestGemmReadsOnlyB does, and
// dst too: a fused kernel that reads outside b or stores outside dst's
// pixel rows (past M channels of the last pixel) crashes the test binary.
func TestGemmRequantTouchesOnlyBAndDst(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, k := range kernels(t) {
		for _, depth := range []int{1, 3, 16, 17, 144, 145} {
			for _, n := range []int{1, 5, 16, 17, 32, 33} {
				for _, atStart := range []bool{true, false} {
					m := []int{1, 7, 16, 17, 33}[r.IntN(5)]
					g := randCase(r, m, depth, n)
					g.boff = 0
					g.b = fenced(t, (n-1)*g.ldb+depth, atStart)
					for i := range g.b {
						g.b[i] = uint8(r.Uint32())
					}
					w, err := packWeights(k, m, depth, g.a)
					if err != nil {
						t.Fatal(err)
					}
					rq := randRequant(t, r, m)
					ldd := m + r.IntN(3)
					dst := fenced(t, (n-1)*ldd+m, !atStart)
					w.GemmRequant(n, g.b, g.ldb, dst, ldd, rq)
					g.checkRequant(t, k, rq, ldd, 0)
				}
			}
		}
	}
}

// TestGemmRequantSegmentsTouchesOnlyBAndDst fences the padded image and dst
// of GemmRequantSegments: the in-place kernel, including its overlapping
// last group, must stay inside both.
func TestGemmRequantSegmentsTouchesOnlyBAndDst(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, k := range kernels(t) {
		for _, c := range []int{4, 16, 64} {
			for _, n := range []int{1, 15, 16, 17, 78, 100} {
				for _, atStart := range []bool{true, false} {
					m := []int{1, 16, 17, 32}[r.IntN(4)]
					segs, seg := 3, 3*c
					segStride := (n + 2) * c
					b := fenced(t, (n-1)*c+(segs-1)*segStride+seg, atStart)
					for i := range b {
						b[i] = uint8(r.Uint32())
					}
					a := make([]int8, m*segs*seg)
					for i := range a {
						a[i] = int8(r.IntN(255) - 127)
					}
					w, err := packWeights(k, m, segs*seg, a)
					if err != nil {
						t.Fatal(err)
					}
					rq := randRequant(t, r, m)
					dst := fenced(t, (n-1)*m+m, !atStart)
					w.GemmRequantSegments(n, b, c, segs, segStride, dst, m, rq)
				}
			}
		}
	}
}

// TestGemmRequantGridTouchesOnlyBAndDst fences the padded image and dst of
// GemmRequantGrid, two-row tiles and stride 2 included.
func TestGemmRequantGridTouchesOnlyBAndDst(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, k := range kernels(t) {
		for _, cols := range []int{8, 16, 5} {
			for _, rows := range []int{1, 3, 8} {
				for _, s := range []int{1, 2} {
					for _, atStart := range []bool{true, false} {
						g := gridCase{m: []int{1, 16, 17, 32}[r.IntN(4)], c: 16, k: 3, s: s, rows: rows, cols: cols}
						g.pw = (cols-1)*s + 3
						n, ldb, rowStride, segStride := g.args()
						b := fenced(t, n, atStart)
						for i := range b {
							b[i] = uint8(r.Uint32())
						}
						a := make([]int8, g.m*9*g.c)
						for i := range a {
							a[i] = int8(r.IntN(255) - 127)
						}
						w, err := packWeights(k, g.m, 9*g.c, a)
						if err != nil {
							t.Fatal(err)
						}
						rq := randRequant(t, r, g.m)
						// Dense rows, or rows of a padded output (one pixel
						// of gap): the last row ends at the fence.
						ldRow := cols * g.m
						if atStart {
							ldRow += g.m
						}
						dst := fenced(t, (rows-1)*ldRow+cols*g.m, !atStart)
						w.GemmRequantGrid(rows, cols, b, rowStride, ldb, 3, segStride, dst, g.m, ldRow, rq)
					}
				}
			}
		}
	}
}
