package gauss

import (
	"math"
	"testing"
)

func TestKernel(t *testing.T) {
	for _, c := range []struct {
		sigma float64
		r     int
	}{{1, 3}, {0.5, 2}, {2.5, 10}, {1, 0}} {
		k := Kernel(c.sigma, c.r)
		if len(k) != 2*c.r+1 {
			t.Fatalf("sigma %v r %d: %d taps", c.sigma, c.r, len(k))
		}
		var sum, mean, vari float64
		for i, v := range k {
			if v != k[len(k)-1-i] || v <= 0 {
				t.Fatalf("sigma %v: tap %d = %v, mirror %v", c.sigma, i, v, k[len(k)-1-i])
			}
			d := float64(i - c.r)
			sum, mean, vari = sum+v, mean+v*d, vari+v*d*d
		}
		if math.Abs(sum-1) > 1e-12 || math.Abs(mean) > 1e-12 {
			t.Errorf("sigma %v r %d: sum %v mean %v", c.sigma, c.r, sum, mean)
		}
		// Cut at 4 sigma or more and sampled at a pixel or finer, the
		// variance is sigma^2 to a fraction of a percent (at sigma 0.5
		// the samples are too coarse: 0.215 for 0.25).
		if c.sigma >= 1 && float64(c.r) >= 4*c.sigma && math.Abs(vari-c.sigma*c.sigma) > 0.01*c.sigma*c.sigma {
			t.Errorf("sigma %v r %d: variance %v", c.sigma, c.r, vari)
		}
	}
}
