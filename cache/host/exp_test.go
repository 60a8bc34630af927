package host

import (
	"math"
	"testing"

	"github.com/edgecache/edgecache/cache"
)

func TestExpNeg(t *testing.T) {
	worst := 0.0
	for x := -float64(cache.Cutoff) - 1; x <= 0; x += 1.0 / 4096 {
		for _, v := range []float64{x, math.Nextafter(x, 0)} {
			want := math.Exp(v)
			if rel := math.Abs(expNeg(v)-want) / want; rel > worst {
				worst = rel
			}
		}
	}
	if worst > 1e-8 {
		t.Fatalf("expNeg: worst relative error %g", worst)
	}
	t.Logf("worst relative error %g", worst)
	if expNeg(0) != 1 {
		t.Fatalf("expNeg(0) = %v", expNeg(0))
	}
}
