package quant

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/cputime"
)

// TestThreadsBitExact runs the same images with 1 to 5 threads (splits that
// divide the units evenly and splits that do not, more threads than a
// stage-3 convolution has rows) on both shortcut kinds and paddings, and
// requires every logit and every kept tap to be bit-identical to one
// thread's. Run it under qemu too (make test-arm): the arm64 kernels split
// the same way.
func TestThreadsBitExact(t *testing.T) {
	for _, tc := range []struct {
		depth     int
		shortcutB bool
		pad       model.Padding
	}{
		{20, false, model.PadSymmetric},
		{20, true, model.PadKerasSame},
		{32, true, model.PadSymmetric},
	} {
		t.Run(fmt.Sprintf("resnet%d_B%v_%v", tc.depth, tc.shortcutB, tc.pad), func(t *testing.T) {
			net := testNet(t, tc.depth, tc.shortcutB, tc.pad, 3)
			m := quantized(t, net, MinMax, smoothPixels(2, 1))
			taps := []string{"conv1", "layer2.0", "layer3.1.relu", "pool"}
			one, err := m.NewRunner(2, taps...)
			if err != nil {
				t.Fatal(err)
			}
			px := smoothPixels(2, 7)
			want, err := one.Run(px, 2)
			if err != nil {
				t.Fatal(err)
			}
			want = slices.Clone(want)
			for n := 2; n <= 5; n++ {
				r, err := m.NewRunner(2, taps...)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.SetThreads(n); err != nil {
					t.Fatal(err)
				}
				if r.Threads() != n {
					t.Fatalf("Threads() = %d after SetThreads(%d)", r.Threads(), n)
				}
				for rep := range 2 { // a second run reuses the team
					got, err := r.Run(px, 2)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%d threads, run %d: logits %v, one thread %v", n, rep, got, want)
					}
					for _, name := range taps {
						if !slices.Equal(r.Tap(name), one.Tap(name)) {
							t.Fatalf("%d threads, run %d: tap %s differs from one thread's", n, rep, name)
						}
					}
				}
			}
		})
	}
}

func TestSetThreadsErrors(t *testing.T) {
	net := testNet(t, 20, false, model.PadSymmetric, 1)
	m := quantized(t, net, MinMax, smoothPixels(2, 1))
	r, err := m.NewRunner(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, -1, maxThreads + 1} {
		if err := r.SetThreads(n); err == nil {
			t.Errorf("SetThreads(%d) gave no error", n)
		}
	}
	// Back to one thread stops the team; the runner still works.
	if err := r.SetThreads(3); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	if err := r.SetThreads(1); err != nil {
		t.Fatal(err)
	}
	if r.Threads() != 1 {
		t.Fatalf("Threads() = %d after SetThreads(1)", r.Threads())
	}
	if _, err := r.Run(smoothPixels(1, 3), 1); err != nil {
		t.Fatal(err)
	}
	// The members stop when they next run; give a loaded machine time.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if runtime.NumGoroutine() <= before-2 {
			return
		}
	}
	t.Errorf("goroutines: %d before SetThreads(1), %d after: the team's members did not stop", before, runtime.NumGoroutine())
}

// BenchmarkThreads times one image at batch 1 through a random ResNet-32
// with 1, 2 and 4 threads in the same run (the speed-up is the ratio of
// ns/op to threads-1's; on a shared machine compare fastest runs with
// -count). cpu-ms/image shows what the hand-overs cost.
func BenchmarkThreads(b *testing.B) {
	net := testNet(b, 32, true, model.PadSymmetric, 1)
	m := quantized(b, net, MinMax, smoothPixels(4, 1))
	px := smoothPixels(1, 2)
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("threads-%d", n), func(b *testing.B) {
			r, err := m.NewRunner(1)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.SetThreads(n); err != nil {
				b.Fatal(err)
			}
			cpu0 := cputime.Self()
			for b.Loop() {
				if _, err := r.Run(px, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/image")
			if cpu := cputime.Self() - cpu0; cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/image")
			}
		})
	}
}

// TestThreadsStopWithRunner drops runners whose team was replaced or is
// still running and requires their members to stop once the runners are
// collected (and a replaced team not to be closed twice, which panicked).
func TestThreadsStopWithRunner(t *testing.T) {
	net := testNet(t, 20, false, model.PadSymmetric, 1)
	m := quantized(t, net, MinMax, smoothPixels(2, 1))
	before := runtime.NumGoroutine()
	func() {
		for _, seq := range [][]int{{3, 1}, {3, 2}, {4}} {
			r, err := m.NewRunner(1)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range seq {
				if err := r.SetThreads(n); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := r.Run(smoothPixels(1, 3), 1); err != nil {
				t.Fatal(err)
			}
		}
	}()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		runtime.GC()
		if runtime.NumGoroutine() <= before {
			return
		}
	}
	t.Errorf("goroutines: %d before, %d after the runners were dropped", before, runtime.NumGoroutine())
}
