package quant

import (
	"testing"

	"github.com/edgecache/edgecache/model"
)

// TestRunAllocatesNothing checks the Runner's promise that Run allocates
// nothing once built: every buffer of the fast path (im2col chunks, padded
// images, GEMM scratch) is the runner's or on the stack.
func TestRunAllocatesNothing(t *testing.T) {
	net := testNet(t, 20, false, model.PadSymmetric, 1)
	m := quantized(t, net, MinMax, smoothPixels(2, 1))
	r, err := m.NewRunner(2)
	if err != nil {
		t.Fatal(err)
	}
	px := smoothPixels(2, 2)
	if n := testing.AllocsPerRun(5, func() {
		if _, err := r.Run(px, 2); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Run allocates %v times", n)
	}
}
