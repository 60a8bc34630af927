package dataset

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// splitDirs are the folder names that make ROOT a split layout rather than a
// flat ROOT/<class>/ tree.
var splitDirs = []string{"train", "test", "val"}

// folderSource is an ImageFolder tree's files, in set order.
type folderSource struct {
	paths  []string
	labels []int
}

func (s *folderSource) len() int          { return len(s.paths) }
func (s *folderSource) label(i int) int   { return s.labels[i] }
func (s *folderSource) name(i int) string { return s.paths[i] }
func (s *folderSource) load(i int, dst []float32) error {
	data, err := readBounded(s.paths[i], maxImageBytes, "32x32 image")
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	if err := decodeImage(data, dst); err != nil {
		return fmt.Errorf("dataset: %s: %w", s.paths[i], err)
	}
	return nil
}

// isDir reports whether path is a directory (following symbolic links).
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// subdirs lists the visible folders in dir, sorted by name.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && isDir(filepath.Join(dir, e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// folderClasses returns the class names of a tree: the union of the class
// folders of every split folder present (or of root itself when flat),
// sorted bytewise (os.ReadDir's order and torchvision's ImageFolder's).
func folderClasses(root string, split bool) ([]string, error) {
	tops := []string{root}
	if split {
		tops = nil
		for _, s := range splitDirs {
			if p := filepath.Join(root, s); isDir(p) {
				tops = append(tops, p)
			}
		}
	}
	var classes []string
	for _, top := range tops {
		names, err := subdirs(top)
		if err != nil {
			return nil, err
		}
		classes = append(classes, names...)
	}
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) == 0 {
		return nil, fmt.Errorf("dataset: %s: no class folders (want ROOT/<class>/*.png|jpg or ROOT/<split>/<class>/...)", root)
	}
	return classes, nil
}

// isImageName reports whether a file name has an image extension this
// package decodes.
func isImageName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// openFolder lists dir/<class>/* for every class, in class then natural
// file order. Missing class folders are empty classes.
func openFolder(dir string, classes []string) (*folderSource, error) {
	src := &folderSource{}
	for label, class := range classes {
		cdir := filepath.Join(dir, class)
		if !isDir(cdir) {
			continue
		}
		entries, err := os.ReadDir(cdir)
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		var files []string
		for _, e := range entries {
			if isImageName(e.Name()) && !e.IsDir() {
				files = append(files, e.Name())
			}
		}
		slices.SortFunc(files, naturalCompare)
		for _, f := range files {
			src.paths = append(src.paths, filepath.Join(cdir, f))
			src.labels = append(src.labels, label)
		}
	}
	if len(src.paths) == 0 {
		return nil, fmt.Errorf("dataset: %s: no .png, .jpg or .jpeg files in its class folders", dir)
	}
	return src, nil
}

// naturalCompare orders names with digit runs compared by value, so that
// "img2.png" comes before "img10.png"; names that tie that way ("01", "1")
// fall back to bytewise order, keeping the order total and deterministic.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			da := strings.TrimLeft(a[si:i], "0")
			db := strings.TrimLeft(b[sj:j], "0")
			if len(da) != len(db) {
				return cmp.Compare(len(da), len(db))
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(int(a[i]), int(b[j]))
		}
		i++
		j++
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
