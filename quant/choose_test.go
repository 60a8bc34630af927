package quant

import (
	"testing"

	"github.com/edgecache/edgecache/model"
)

func TestChoose(t *testing.T) {
	net := testNet(t, 8, false, model.PadSymmetric, 6)
	train := smoothPixels(4, 1)
	cal, err := Calibrate(net, train, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Labels from the float network: the int8 models should mostly agree.
	const n = 12
	val := smoothPixels(n, 2)
	r, _ := net.NewRunner(n)
	logits, _ := r.Run(val, n)
	labels := make([]int, n)
	for i := range labels {
		for k := range net.Classes {
			if logits[i*net.Classes+k] > logits[i*net.Classes+labels[i]] {
				labels[i] = k
			}
		}
	}
	choices, best, err := Choose(net, cal, val, labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(choices) != len(Candidates) {
		t.Fatalf("%d choices", len(choices))
	}
	for i, c := range choices {
		if c.Top1 > choices[best].Top1 || (c.Top1 == choices[best].Top1 && i < best) {
			t.Errorf("best is %d (%v), but %d (%v) scores %v", best, choices[best].Top1, i, c.Observer, c.Top1)
		}
		t.Logf("%v: agreement with float %.2f", c.Observer, c.Top1)
	}
	if choices[best].Top1 < 0.75 {
		t.Errorf("best int8 model agrees with float on %.2f of images", choices[best].Top1)
	}
	if _, _, err := Choose(net, cal, val, labels[:3]); err == nil {
		t.Error("mismatched labels accepted")
	}
}
