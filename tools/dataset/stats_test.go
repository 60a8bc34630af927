package dataset

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

func TestPixelStats(t *testing.T) {
	s := smallFolder(t, 9)
	px := loadAll(t, s)
	mean, std, err := PixelStats(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Two-pass reference.
	n := float64(s.Len())
	for i := range model.InputLen {
		var m, v float64
		for k := range s.Len() {
			m += float64(px[k*model.InputLen+i])
		}
		m /= n
		for k := range s.Len() {
			d := float64(px[k*model.InputLen+i]) - m
			v += d * d
		}
		if math.Abs(float64(mean[i])-m) > 1e-7 || math.Abs(float64(std[i])-math.Sqrt(v/n)) > 1e-6 {
			t.Fatalf("value %d: mean %v std %v, want %v %v", i, mean[i], std[i], m, math.Sqrt(v/n))
		}
	}
	// One image: zero spread.
	_, std, err = PixelStats(s.Limit(1), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range std {
		if v != 0 {
			t.Fatalf("std[%d] = %v for one image", i, v)
		}
	}
	if _, _, err := PixelStats(s.Limit(0), 1); err == nil {
		t.Error("empty set: no error")
	}
}

// TestPixelStatsShipped compares with numpy on data_batch_1.bin:
//
//	d = np.fromfile("data_batch_1.bin", np.uint8).reshape(-1, 3073)[:, 1:] / 255
//	m, s = d.mean(0), d.std(0)
func TestPixelStatsShipped(t *testing.T) {
	s, err := Open(filepath.Join(modeltest.DataDir(t), "cifar10"), "train")
	if err != nil {
		t.Fatal(err)
	}
	mean, std, err := PixelStats(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	var mm, sm float64
	for i := range mean {
		mm += float64(mean[i]) / model.InputLen
		sm += float64(std[i]) / model.InputLen
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"mean of mean", mm, 0.4726708882250819}, {"mean of std", sm, 0.24844978077964483},
		{"mean[0]", float64(mean[0]), 0.5155931372549026}, {"std[0]", float64(std[0]), 0.2892381097571842},
		{"mean[1500]", float64(mean[1500]), 0.47873431372549036}, {"std[1500]", float64(std[1500]), 0.23944042103193952},
		{"mean[3071]", float64(mean[3071]), 0.4520401960784329}, {"std[3071]", float64(std[3071]), 0.2604933867409223},
	} {
		// float32 results and float32 inputs (v * float32(1/255)).
		if math.Abs(c.got-c.want) > 1e-6 {
			t.Errorf("%s = %.9f, numpy %.9f", c.name, c.got, c.want)
		}
	}
}
