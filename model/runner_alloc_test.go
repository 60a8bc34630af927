package model_test

import (
	"testing"

	"github.com/edgecache/edgecache/model"
)

// After its first Run (which plans each convolution's layout), a Runner
// allocates nothing, on whichever convolution path this machine takes
// (Winograd where model.WinogradInUse, the direct GEMM elsewhere).
func TestRunnerDoesNotAllocate(t *testing.T) {
	n := resnet32(t, model.PadSymmetric)
	for _, tc := range []struct {
		batch, count int
		taps         []string
	}{
		{1, 1, nil},
		{4, 3, []string{"layer3.4.relu", "layer2.0.conv2", "fc"}},
	} {
		r, err := n.NewRunner(tc.batch, tc.taps...)
		if err != nil {
			t.Fatal(err)
		}
		x := pixels(tc.count, 5)
		if _, err := r.Run(x, tc.count); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(5, func() { r.Run(x, tc.count) }); a != 0 {
			t.Errorf("batch %d of %d, taps %v: %v allocations per Run, want 0 (Winograd %v)", tc.count, tc.batch, tc.taps, a, model.WinogradInUse())
		}
	}
}
