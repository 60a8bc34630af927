package inscount

import (
	"math/rand/v2"

	"github.com/edgecache/edgecache/model"
)

// Input is the image every counted run classifies: fixed pseudo-random
// pixels in [0, 1), the same for every counter and engine, so that every run
// executes the same instructions.
func Input() []float32 {
	r := rand.New(rand.NewPCG(15, 6))
	px := make([]float32, model.InputLen)
	for i := range px {
		px[i] = r.Float32()
	}
	return px
}
