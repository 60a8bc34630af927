package pca

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgecache/edgecache/cache"
)

func TestFit(t *testing.T) {
	// Points along two orthogonal directions with different spreads plus
	// small noise: the first component is the wide direction.
	const dim, n = 6, 400
	r := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		a, b := 5*r.NormFloat64(), 2*r.NormFloat64()
		v := x[i*dim : (i+1)*dim]
		v[1], v[4] = float32(a), float32(b)
		for j := range v {
			v[j] += float32(0.01 * r.NormFloat64())
		}
	}
	p, err := Fit(x, dim, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(p.At(0, 1))) < 0.99 || math.Abs(float64(p.At(1, 4))) < 0.99 {
		t.Fatalf("components %v", p.WT)
	}
	spec := cache.Spec{Taps: []cache.TapSpec{{Name: "x", C: dim, H: 1, W: 1}}, Proj: p}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	// Long vectors go through the Gram matrix: the same directions.
	const long = maxPCADim + 4
	xl := make([]float32, 50*long)
	for i := 0; i < 50; i++ {
		xl[i*long+1] = float32(5 * r.NormFloat64())
		xl[i*long+long-2] = float32(2 * r.NormFloat64())
		xl[i*long+7] = float32(0.01 * r.NormFloat64())
	}
	pl, err := Fit(xl, long, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(pl.At(0, 1))) < 0.99 || math.Abs(float64(pl.At(1, long-2))) < 0.99 {
		t.Fatalf("Gram PCA components miss the wide directions")
	}
	for _, bad := range [][3]int{{dim, 0, n}, {dim, dim + 1, n}, {0, 1, n}, {maxPCADim + 1, 1, maxPCADim + 1}, {maxPCADim + 1, 3, 2}} {
		if _, err := Fit(make([]float32, bad[0]*bad[2]), bad[0], bad[1]); err == nil {
			t.Errorf("Fit(dim %d, d %d) accepted", bad[0], bad[1])
		}
	}
}
