package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/edgecache/edgecache/model"
)

// Format is the file format a Set was read from.
type Format int

const (
	CIFAR10     Format = iota + 1 // official CIFAR-10 binary batches
	CIFAR100                      // official CIFAR-100 binary files
	ImageFolder                   // ROOT/<split>/<class>/<image> tree
)

func (f Format) String() string {
	switch f {
	case CIFAR10:
		return "CIFAR-10"
	case CIFAR100:
		return "CIFAR-100"
	case ImageFolder:
		return "ImageFolder"
	case LabelledFiles:
		return "labelled files"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Splits are the split names Open accepts (see the package comment).
var Splits = []string{"train", "test", "val", "fit"}

// source is where a Set's images come from: a binary split or a folder
// tree, indexed from 0 in its own order.
type source interface {
	len() int
	label(i int) int
	name(i int) string
	load(i int, dst []float32) error
}

// Set is a deterministic sequence of labelled images. It is safe for
// concurrent use: loading reads files (or memory) and changes nothing.
type Set struct {
	format  Format
	split   string
	classes []string
	src     source
	idx     []int // source positions, in set order
}

// Open reads the split ("train", "test", "val" or "fit") of the data set in
// dir, detecting its format: CIFAR-10 or CIFAR-100 binary files in dir or in
// its cifar-10-batches-bin or cifar-100-binary folder, else an ImageFolder
// tree rooted at dir. Binary files are read and checked whole; an
// ImageFolder tree is only listed, each image being decoded by Load.
func Open(dir, split string) (*Set, error) {
	if !slices.Contains(Splits, split) {
		return nil, fmt.Errorf("dataset: unknown split %q (want one of %q)", split, Splits)
	}
	if !isDir(dir) {
		return nil, fmt.Errorf("dataset: %s is not a folder", dir)
	}
	for _, d := range []string{dir, filepath.Join(dir, "cifar-10-batches-bin"), filepath.Join(dir, "cifar-100-binary")} {
		switch {
		case anyExists(d, "batches.meta.txt", "test_batch.bin", "data_batch_1.bin", "data_batch_2.bin",
			"data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"):
			return openCIFAR10(d, split)
		case anyExists(d, "fine_label_names.txt", "train.bin", "test.bin"):
			return openCIFAR100(d, split)
		}
	}
	return openImageFolder(dir, split)
}

func anyExists(dir string, names ...string) bool {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

func openCIFAR10(dir, split string) (*Set, error) {
	classes, err := readNames(filepath.Join(dir, "batches.meta.txt"))
	if err != nil {
		return nil, err
	}
	files := []string{"test_batch.bin"}
	if split != "test" {
		files = nil
		for b := 1; b <= 5; b++ {
			name := "data_batch_" + strconv.Itoa(b) + ".bin"
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				files = append(files, name)
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("dataset: %s: no training batches (data_batch_1.bin .. data_batch_5.bin)", dir)
		}
	}
	src, err := openBinary(dir, files, layout10, len(classes), 0)
	if err != nil {
		return nil, err
	}
	return splitSet(CIFAR10, split, classes, src), nil
}

func openCIFAR100(dir, split string) (*Set, error) {
	classes, err := readNames(filepath.Join(dir, "fine_label_names.txt"))
	if err != nil {
		return nil, err
	}
	coarse := coarse100
	if p := filepath.Join(dir, "coarse_label_names.txt"); anyExists(dir, "coarse_label_names.txt") {
		names, err := readNames(p)
		if err != nil {
			return nil, err
		}
		coarse = len(names)
	}
	file := "train.bin"
	if split == "test" {
		file = "test.bin"
	}
	src, err := openBinary(dir, []string{file}, layout100, len(classes), coarse)
	if err != nil {
		return nil, err
	}
	return splitSet(CIFAR100, split, classes, src), nil
}

func openImageFolder(root, split string) (*Set, error) {
	layout := false
	for _, s := range splitDirs {
		layout = layout || isDir(filepath.Join(root, s))
	}
	classes, err := folderClasses(root, layout)
	if err != nil {
		return nil, err
	}
	if !layout {
		src, err := openFolder(root, classes)
		if err != nil {
			return nil, err
		}
		return splitSet(ImageFolder, split, classes, src), nil
	}
	// A tree with its own val folder keeps it; otherwise val and fit are
	// carved out of train.
	dir, carve := split, false
	switch split {
	case "fit":
		dir, carve = "train", !isDir(filepath.Join(root, "val"))
	case "val":
		if !isDir(filepath.Join(root, "val")) {
			dir, carve = "train", true
		}
	}
	if !isDir(filepath.Join(root, dir)) {
		return nil, fmt.Errorf("dataset: %s: no %s folder", root, dir)
	}
	src, err := openFolder(filepath.Join(root, dir), classes)
	if err != nil {
		return nil, err
	}
	if !carve {
		return newSet(ImageFolder, split, classes, src, nil), nil
	}
	return splitSet(ImageFolder, split, classes, src), nil
}

// splitSet returns the set of src for split, where src holds the training
// images for "train", "val" and "fit" and the test images for "test".
func splitSet(f Format, split string, classes []string, src source) *Set {
	if split != "val" && split != "fit" {
		return newSet(f, split, classes, src, nil)
	}
	held := holdout(src, len(classes))
	var idx []int
	for i, h := range held {
		if h == (split == "val") {
			idx = append(idx, i)
		}
	}
	return newSet(f, split, classes, src, idx)
}

// newSet makes a set of src's images at positions idx (all of them, in
// order, when idx is nil).
func newSet(f Format, split string, classes []string, src source, idx []int) *Set {
	if idx == nil {
		idx = make([]int, src.len())
		for i := range idx {
			idx[i] = i
		}
	}
	return &Set{format: f, split: split, classes: classes, src: src, idx: idx}
}

// holdout marks the validation images among training images: the last 10%
// of each class in source order, rounded by largest remainder so that the
// total is exactly N/10 (see the package comment).
func holdout(src source, classes int) []bool {
	n := src.len()
	count := make([]int, classes)
	for i := range n {
		count[src.label(i)]++
	}
	quota := make([]int, classes)
	left := n / 10
	for c, k := range count {
		quota[c] = k / 10
		left -= quota[c]
	}
	// left < the number of classes with a nonzero remainder (the sum of
	// remainders k%10 is at least 10*left), so each gets at most one more.
	order := make([]int, classes)
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int { return count[b]%10 - count[a]%10 })
	for _, c := range order[:left] {
		quota[c]++
	}
	held := make([]bool, n)
	for i := n - 1; i >= 0; i-- {
		if c := src.label(i); quota[c] > 0 {
			quota[c]--
			held[i] = true
		}
	}
	return held
}

// Format is the format the set was read from.
func (s *Set) Format() Format { return s.format }

// Split is the split name the set was opened with.
func (s *Set) Split() string { return s.split }

// Len is the number of images.
func (s *Set) Len() int { return len(s.idx) }

// Classes returns the class names, indexed by label. The caller must not
// modify the slice.
func (s *Set) Classes() []string { return s.classes }

// Label returns image i's class, 0 <= Label(i) < len(Classes()).
func (s *Set) Label(i int) int { return s.src.label(s.idx[i]) }

// Name identifies image i for messages: the file path in an ImageFolder
// tree, "file#record" (record counted from 0 within the file) in a binary one.
func (s *Set) Name(i int) string { return s.src.name(s.idx[i]) }

// Load writes image i into dst (at least model.InputLen values) as the
// network's input: CHW planes, each 8-bit sample scaled to [0, 1], exactly as
// model.Pixels. An image that is missing, undecodable or not 32x32 is an
// error naming its file.
func (s *Set) Load(i int, dst []float32) error {
	if i < 0 || i >= len(s.idx) {
		return fmt.Errorf("dataset: image %d of a set of %d", i, len(s.idx))
	}
	if len(dst) < model.InputLen {
		return fmt.Errorf("dataset: pixel buffer holds %d values, need %d", len(dst), model.InputLen)
	}
	return s.src.load(s.idx[i], dst)
}

// Subset returns the set of s's images at the given positions, in that
// order (repeats allowed). It shares s's files.
func (s *Set) Subset(indices []int) (*Set, error) {
	idx := make([]int, len(indices))
	for k, i := range indices {
		if i < 0 || i >= len(s.idx) {
			return nil, fmt.Errorf("dataset: subset index %d out of a set of %d", i, len(s.idx))
		}
		idx[k] = s.idx[i]
	}
	sub := *s
	sub.idx = idx
	return &sub, nil
}

// Limit returns the set of s's first n images (all of them when n >= Len).
func (s *Set) Limit(n int) *Set {
	sub := *s
	sub.idx = s.idx[:max(0, min(n, len(s.idx)))]
	return &sub
}
