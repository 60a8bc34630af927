package quant

import (
	"syscall"
	"testing"
	"time"

	"github.com/edgecache/edgecache/model"
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
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := r.Run(px, 1); err != nil {
				b.Fatal(err)
			}
		}
		cpu := cpuTime() - cpu0
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

// cpuTime is the user+system CPU time of the process so far (getrusage(2)):
// on a shared machine it says more than wall time. Run allocates nothing, so
// garbage collection adds little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
