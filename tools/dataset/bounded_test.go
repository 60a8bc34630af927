package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// sparse makes a file of size bytes that takes no disk space.
func sparse(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	return path
}

// TestOversizedFiles: files far larger than any batch, image or names file
// are refused by their size before they are read. A 1 GiB batch file of
// zeros is a whole number of CIFAR-100 records (all labels 0): the old
// reader read it whole, and on a 32-bit board such sizes come near int's
// limit.
func TestOversizedFiles(t *testing.T) {
	dir := t.TempDir()
	huge := int64(maxBatchBytes/rec100+1) * rec100
	sparse(t, dir, "train.bin", huge)
	_, err := openBinary(dir, []string{"train.bin"}, layout100, 100, coarse100)
	wantSize(t, err, "train.bin", "more than the 1073741824 a batch file may have")

	img := sparse(t, dir, "big_3.png", maxImageBytes+1)
	s, err := OpenFiles(filepath.Join(dir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Load(0, make([]float32, model.InputLen))
	wantSize(t, err, img, "a 32x32 image may have")

	names := sparse(t, dir, "batches.meta.txt", maxNamesBytes+1)
	_, err = readNames(names)
	wantSize(t, err, names, "a class names file may have")
}

func wantSize(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", parts)
	}
	for _, p := range append(parts, "dataset: ") {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

// TestBoundedUnsized: a file whose size Stat cannot tell (a pipe, a device)
// is cut off while it is read.
func TestBoundedUnsized(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := readBounded("/dev/zero", 1<<10, "test file")
	if err == nil || !strings.Contains(err.Error(), "more than the 1024 bytes a test file may have") {
		t.Fatalf("/dev/zero: %v", err)
	}
}
