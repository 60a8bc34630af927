package dataset

import (
	"fmt"
	"io"
	"os"
)

// Every file a set reads is read whole. These bounds keep a wrong path (a
// disk image, a video, /dev/zero) from costing all the memory of a host or
// board before any check runs, and keep sizes far below what overflows int
// on a 32-bit board.
const (
	// maxBatchBytes: the official batch files are 30.7 MB (CIFAR-10, 10,000
	// records) and 154 MB (CIFAR-100 train.bin, 50,000 records).
	maxBatchBytes = 1 << 30
	// maxImageBytes: a 32x32 PNG or JPEG is a few kilobytes, metadata
	// included; 16 MiB leaves room for any embedded profile.
	maxImageBytes = 16 << 20
	// maxNamesBytes: 256 class names, one a line.
	maxNamesBytes = 1 << 20
)

// readBounded reads a whole file of at most limit bytes, failing before it
// allocates when the size says more, and while reading when a file without a
// size (a pipe, a device) turns out longer. what names the kind of file.
func readBounded(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a %s may have", path, fi.Size(), limit, what)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes a %s may have", path, limit, what)
	}
	return b, nil
}
