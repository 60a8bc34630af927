package hdf5

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen opens arbitrary bytes and reads everything reachable. The seed
// corpus is the test files and the crafted ones of bad_test.go; the data
// limit is lowered so that a corrupt shape costs the fuzzer no gigabytes.
func FuzzOpen(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.h5"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no testdata/*.h5 for the seed corpus (%v)", err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x89HDF\r\n\x1a\n"))
	f.Add(craftScalarChunked(f)) // once a panic: a chunked scalar
	f.Add(craftHugeDim(f))       // once wrapped to 0 on 32-bit boards
	saved := maxDataBytes
	maxDataBytes = 1 << 20
	defer func() { maxDataBytes = saved }()
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		readAll(file.Root())
	})
}
