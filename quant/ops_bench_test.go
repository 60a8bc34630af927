package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/cputime"
)

// BenchmarkConvParts splits a stage-1 convolution (16 -> 16 channels, 3x3,
// 32x32) of the fast path into its steps, with the residual add of the
// same size, reporting CPU ns per output value.
func BenchmarkConvParts(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	c := randomConv(b, rng, 16, 16, 3, 1, model.PadSymmetric, true)
	const h = 32
	src := make([]uint8, h*h*16)
	for i := range src {
		src[i] = uint8(rng.IntN(256))
	}
	col := make([]uint8, h*h*16*9)
	acc := make([]int32, h*h*16)
	dst := make([]uint8, h*h*16)
	top, left, _, _ := c.geometry().Pads(h, h)
	a := &Add{ReLU: true}
	if err := quantizeAdd(a, Params{0.02, 3}, Params{0.03, 0}, Params{0.04, 0}); err != nil {
		b.Fatal(err)
	}
	per := func(b *testing.B, f func()) {
		cpu0 := cputime.Self()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64((cputime.Self()-cpu0).Nanoseconds())/float64(b.N*len(dst)), "cpu-ns/value")
	}
	b.Run("im2col", func(b *testing.B) {
		per(b, func() { im2col(col, src, h*16, h, h, 16, 3, 1, top, left, h, 0, h*h, c.Input.Zero) })
	})
	b.Run("gemm", func(b *testing.B) { per(b, func() { c.packed.Gemm(h*h, col, 144, acc, h*h) }) })
	b.Run("gemm+requant", func(b *testing.B) { per(b, func() { c.packed.GemmRequant(h*h, col, 144, dst, 16, c.rq) }) })
	pad, wide := make([]uint8, (h+2)*(h+2)*16), make([]uint8, h*(h+2)*16)
	b.Run("conv", func(b *testing.B) { per(b, func() { convFast(c, dst, src, h, h, col, pad, wide) }) })
	b.Run("add-ref", func(b *testing.B) { per(b, func() { addRef(a, dst, src, src) }) })
	fast, err := a.fastAdd()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("add", func(b *testing.B) { per(b, func() { fast.Run(dst, src, src) }) })
}
