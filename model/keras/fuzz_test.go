package keras

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadWeights reads mutated files through the whole importer (HDF5,
// graph, weights): errors must carry the package prefix, and weights it
// returns must hold as many values as their shapes say. FuzzOpen (model/hdf5)
// and FuzzConfig cover the parts; this covers the code between them. Seeds:
// the HDF5 reader's test files and, when the shared data folder is there,
// the paper's CIFAR-10 ResNet20 (2.4 MB: slow to mutate, but the only seed
// that reaches the weights).
//
//	go test -run '^$' -fuzz FuzzReadWeights -fuzztime 60s ./model/keras/
func FuzzReadWeights(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("..", "hdf5", "testdata", "*.h5"))
	dir := os.Getenv("EDGECACHE_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	names = append(names, filepath.Join(dir, "models", "simple-cache", "cifar10_ResNet20v1_model.178.h5"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w, _, err := ReadWeights(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "keras: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		for name, tensor := range w {
			if len(tensor.Data) != tensor.Len() {
				t.Fatalf("%s: shape %v with %d values", name, tensor.Shape, len(tensor.Data))
			}
		}
	})
}
