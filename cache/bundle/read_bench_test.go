package bundle

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/edgecache/edgecache/cache/bundle/bundletest"
)

// BenchmarkRead reads a bundle of the demo's size (a 4 MiB cache beside a
// ResNet-8) from memory, as ReadFile does after reading the file, and reports
// the heap it allocates per byte of file ("alloc/file"): the decoded model
// and cache take about the file's size, so a figure near 1 means no section
// is copied or regrown on its way to its owner's reader.
func BenchmarkRead(b *testing.B) {
	bd := testBundle(b)
	rng := rand.New(rand.NewPCG(5, 6))
	for bd.Cache.Bytes() < 4<<20-bd.Cache.Dim()*2 {
		bundletest.AddUnitKeys(b, bd.Cache, rng, 256, nil)
	}
	data, _ := encode(b, bd)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := Read(data); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(data)), "alloc/file")
}
