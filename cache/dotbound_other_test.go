//go:build noasm || !arm64

package cache

// activeDotBound is the tolerance of the dot products the lookup runs here:
// fp32 products in every kernel (dotBound).
func activeDotBound(k []uint16, q []float32) float64 { return dotBound(k, q) }
