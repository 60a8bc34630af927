package dataset

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// LabelledFiles is a set of loose image files whose names end in their label,
// NAME_LABEL.png (the foolbox CIFAR samples: cifar100_07_14.png is CIFAR-100
// test image 7, class 14).
const LabelledFiles Format = ImageFolder + 1

// OpenFiles reads the image files matching a glob pattern (filepath.Match
// syntax) as a set labelled by the number after the last underscore of each
// name, in natural name order. Such a set names no classes: Classes is nil.
func OpenFiles(pattern string) (*Set, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("dataset: pattern %q: %w", pattern, err)
	}
	src := &folderSource{}
	slices.SortFunc(paths, func(a, b string) int { return naturalCompare(filepath.Base(a), filepath.Base(b)) })
	for _, p := range paths {
		if !isImageName(filepath.Base(p)) || isDir(p) {
			continue
		}
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		cut := strings.LastIndexByte(base, '_')
		label, err := strconv.Atoi(base[cut+1:])
		if cut < 0 || err != nil || label < 0 || label > 1<<16 {
			return nil, fmt.Errorf("dataset: %s: no label in the name (want NAME_LABEL.png, e.g. cifar10_00_3.png)", p)
		}
		src.paths = append(src.paths, p)
		src.labels = append(src.labels, label)
	}
	if len(src.paths) == 0 {
		return nil, fmt.Errorf("dataset: no .png, .jpg or .jpeg files match %q", pattern)
	}
	return newSet(LabelledFiles, "files", nil, src, nil), nil
}
