package dataset

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/edgecache/edgecache/model"
)

// The official CIFAR binary formats, from https://www.cs.toronto.edu/~kriz/cifar.html
// ("Binary version"): CIFAR-10 records are 1 label byte followed by 3072 pixel
// bytes, CIFAR-100 records are 1 coarse label byte, 1 fine label byte and the
// same 3072 pixel bytes. The pixels are the 1024 red values of the 32x32 image
// in row-major order, then the 1024 green, then the 1024 blue: exactly the
// network's CHW input order.
const (
	pixelBytes = model.InputLen // 3 * 32 * 32
	rec10      = 1 + pixelBytes
	rec100     = 2 + pixelBytes
	// coarse100 is CIFAR-100's number of superclasses (same page), used when
	// coarse_label_names.txt is absent.
	coarse100 = 20
)

// binLayout describes one of the two record layouts.
type binLayout struct {
	format Format
	record int // bytes per record
	label  int // offset of the label the set uses (CIFAR-100: the fine one)
}

var (
	layout10  = binLayout{format: CIFAR10, record: rec10, label: 0}
	layout100 = binLayout{format: CIFAR100, record: rec100, label: 1}
)

// binFile is one batch file read whole into memory: even the official sets
// are 30 MB a file, small next to the caches built from them.
type binFile struct {
	name string // base name, used in Name ("test_batch.bin#17")
	data []byte
}

// binSource is the records of one split, possibly spread over several files.
type binSource struct {
	layout binLayout
	files  []binFile
	first  []int // first[f] is the index of file f's first record
	labels []int
}

// parseBinary checks one batch file and returns its labels. The record count
// comes from the size (the shipped files are shorter than the official ones),
// so a size that is not a whole number of records is the only way to detect
// a truncated file, and is an error. Labels must be below classes (and the
// CIFAR-100 coarse labels below coarse).
func parseBinary(name string, data []byte, l binLayout, classes, coarse int) ([]int, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("dataset: %s: empty file, no %v records", name, l.format)
	}
	if len(data)%l.record != 0 {
		return nil, fmt.Errorf("dataset: %s: size %d bytes is not a whole number of %d-byte %v records (%d records and %d bytes left over)",
			name, len(data), l.record, l.format, len(data)/l.record, len(data)%l.record)
	}
	n := len(data) / l.record
	labels := make([]int, n)
	for r := range n {
		rec := data[r*l.record:]
		if l.format == CIFAR100 && int(rec[0]) >= coarse {
			return nil, fmt.Errorf("dataset: %s: record %d: coarse label %d, want below %d", name, r, rec[0], coarse)
		}
		lab := int(rec[l.label])
		if lab >= classes {
			return nil, fmt.Errorf("dataset: %s: record %d: label %d, but there are %d classes", name, r, lab, classes)
		}
		labels[r] = lab
	}
	return labels, nil
}

// openBinary reads the named batch files of dir into one source.
func openBinary(dir string, names []string, l binLayout, classes, coarse int) (*binSource, error) {
	src := &binSource{layout: l}
	for _, name := range names {
		data, err := readBounded(filepath.Join(dir, name), maxBatchBytes, "batch file")
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		labels, err := parseBinary(name, data, l, classes, coarse)
		if err != nil {
			return nil, err
		}
		src.first = append(src.first, len(src.labels))
		src.files = append(src.files, binFile{name: name, data: data})
		src.labels = append(src.labels, labels...)
	}
	return src, nil
}

func (s *binSource) len() int { return len(s.labels) }

func (s *binSource) label(i int) int { return s.labels[i] }

// locate returns the file holding record i and the record's index in it.
func (s *binSource) locate(i int) (f, r int) {
	f = sort.SearchInts(s.first, i+1) - 1
	return f, i - s.first[f]
}

func (s *binSource) name(i int) string {
	f, r := s.locate(i)
	return s.files[f].name + "#" + strconv.Itoa(r)
}

func (s *binSource) load(i int, dst []float32) error {
	f, r := s.locate(i)
	off := r*s.layout.record + s.layout.record - pixelBytes
	for j, v := range s.files[f].data[off : off+pixelBytes] {
		dst[j] = unit[v]
	}
	return nil
}

// readNames reads a label-names file: one name a line. Blank lines are
// skipped because the official batches.meta.txt ends with some.
func readNames(path string) ([]string, error) {
	data, err := readBounded(path, maxNamesBytes, "class names file")
	if err != nil {
		return nil, fmt.Errorf("dataset: class names: %w", err)
	}
	var names []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("dataset: %s: no class names", path)
	}
	// Labels are single bytes.
	if len(names) > 256 {
		return nil, fmt.Errorf("dataset: %s: %d class names, a label byte holds at most 256", path, len(names))
	}
	return names, nil
}
