package quant

import (
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/cputime"
)

// BenchmarkRunner times one image at batch 1 through a random ResNet-20
// (the arithmetic does not depend on the values) in float32 (model.Runner)
// and int8 (the GEMM path and the reference ops), in the same run so the
// ratios hold on a shared machine.
func BenchmarkRunner(b *testing.B) {
	net := testNet(b, 20, false, model.PadSymmetric, 1)
	m := quantized(b, net, MinMax, smoothPixels(4, 1))
	px := smoothPixels(1, 2)
	run := func(b *testing.B, r runner) {
		cpu0 := cputime.Self()
		for b.Loop() {
			if _, err := r.Run(px, 1); err != nil {
				b.Fatal(err)
			}
		}
		cpu := cputime.Self() - cpu0
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/image")
		if cpu > 0 {
			b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/image")
		}
	}
	b.Run("float32", func(b *testing.B) {
		r, _ := net.NewRunner(1)
		run(b, r)
	})
	b.Run("int8", func(b *testing.B) {
		r, _ := m.NewRunner(1)
		run(b, r)
	})
	b.Run("int8-taps", func(b *testing.B) {
		r, _ := m.NewRunner(1, "layer3.0", "layer3.1.relu", "layer3.2")
		run(b, r)
	})
	b.Run("int8-reference", func(b *testing.B) {
		r, _ := m.newRunner(1, true)
		run(b, r)
	})
}
