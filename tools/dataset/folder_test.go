package dataset

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// TestFolderShipped reads the JPEG copy of CIFAR-10.
func TestFolderShipped(t *testing.T) {
	dir := filepath.Join(modeltest.DataDir(t), "cifar10-jpeg")
	sets := map[string]*Set{}
	for split, want := range map[string]int{"train": 50000, "test": 10000, "val": 5000, "fit": 45000} {
		s, err := Open(dir, split)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != want || s.Format() != ImageFolder || !slices.Equal(s.Classes(), cifar10Names) {
			t.Errorf("%s: %d images, %v, classes %q; want %d, ImageFolder, %q", split, s.Len(), s.Format(), s.Classes(), want, cifar10Names)
		}
		sets[split] = s
	}
	// val is the last 500 files of each class, fit the first 4,500: the
	// same files as train, in train's order.
	val, fit, train := sets["val"], sets["fit"], sets["train"]
	perClass := make([]int, 10)
	for i := range val.Len() {
		perClass[val.Label(i)]++
		if i%500 == 0 {
			want := filepath.Join(dir, "train", cifar10Names[i/500], "4500.jpg")
			if val.Name(i) != want {
				t.Errorf("val %d is %s, want %s", i, val.Name(i), want)
			}
		}
	}
	if slices.Max(perClass) != 500 || slices.Min(perClass) != 500 {
		t.Errorf("val per class %v, want 500 each", perClass)
	}
	if got := fit.Name(4499); got != filepath.Join(dir, "train", "airplane", "4499.jpg") {
		t.Errorf("fit 4499 is %s", got)
	}
	merged := map[string]bool{}
	for _, s := range []*Set{val, fit} {
		for i := range s.Len() {
			merged[s.Name(i)] = true
		}
	}
	if len(merged) != train.Len() {
		t.Errorf("val and fit hold %d distinct files, train %d", len(merged), train.Len())
	}
	if got := sets["test"].Name(1000); got != filepath.Join(dir, "test", "automobile", "0000.jpg") {
		t.Errorf("test 1000 is %s", got)
	}
	// Real JPEGs: the fast pixel path equals model.Pixels.
	test := sets["test"].Limit(300)
	got := loadAll(t, test)
	for i := range test.Len() {
		want := refPixels(t, readFile(t, test.Name(i)))
		if !slices.Equal(got[i*model.InputLen:(i+1)*model.InputLen], want) {
			t.Fatalf("%s: pixels differ from model.Pixels", test.Name(i))
		}
	}
}

// folderTree writes files (relative path -> contents) under a new root.
func folderTree(t *testing.T, files map[string][]byte) string {
	root := t.TempDir()
	for rel, data := range files {
		writeFile(t, root, rel, data)
	}
	return root
}

func TestFolderLayouts(t *testing.T) {
	png := encodePNG(t, randomImage(32, 32, 1, false))
	jpg := encodeJPEG(t, randomImage(32, 32, 2, false))
	root := folderTree(t, map[string][]byte{
		"train/cat/10.png":      png,
		"train/cat/2.jpg":       jpg,
		"train/cat/1.JPEG":      jpg,
		"train/cat/.hidden.png": png,
		"train/cat/notes.txt":   []byte("not an image"),
		"train/dog/a.png":       png,
		"test/dog/x.png":        png,
		"test/emu/y.png":        png, // a class only the test split has
	})
	train, err := Open(root, "train")
	if err != nil {
		t.Fatal(err)
	}
	test, err := Open(root, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Set{train, test} {
		if !slices.Equal(s.Classes(), []string{"cat", "dog", "emu"}) {
			t.Errorf("%s classes %q", s.Split(), s.Classes())
		}
	}
	if got := describe(train); got != "cat/1.JPEG:0 cat/2.jpg:0 cat/10.png:0 dog/a.png:1" {
		t.Errorf("train %s", got)
	}
	if got := describe(test); got != "dog/x.png:1 emu/y.png:2" {
		t.Errorf("test %s", got)
	}
	px := loadAll(t, train)
	if !slices.Equal(px[2*model.InputLen:3*model.InputLen], refPixels(t, png)) ||
		!slices.Equal(px[1*model.InputLen:2*model.InputLen], refPixels(t, jpg)) {
		t.Error("loaded pixels differ from model.Pixels")
	}
	if _, err := Open(root, "val"); err != nil {
		t.Errorf("val carved from 4 training images: %v", err)
	}

	// Flat: ROOT/<class>/..., the same tree for every split name.
	flat := folderTree(t, map[string][]byte{"b/1.png": png, "a/1.png": png, "a/0.png": png})
	for _, split := range []string{"train", "test"} {
		s, err := Open(flat, split)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(s); got != "a/0.png:0 a/1.png:0 b/1.png:1" {
			t.Errorf("flat %s: %s", split, got)
		}
	}

	// An own val folder is kept: val reads it and fit is all of train.
	withVal := folderTree(t, map[string][]byte{"train/a/1.png": png, "train/a/2.png": png, "val/a/3.png": png})
	val, err := Open(withVal, "val")
	if err != nil {
		t.Fatal(err)
	}
	fit, err := Open(withVal, "fit")
	if err != nil {
		t.Fatal(err)
	}
	if describe(val) != "a/3.png:0" || describe(fit) != "a/1.png:0 a/2.png:0" {
		t.Errorf("val %s, fit %s", describe(val), describe(fit))
	}
}

// describe lists a folder set as class/file:label.
func describe(s *Set) string {
	var parts []string
	for i := range s.Len() {
		p := s.Name(i)
		parts = append(parts, fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Dir(p)), filepath.Base(p), s.Label(i)))
	}
	return strings.Join(parts, " ")
}

// TestFolderErrors: opening fails for trees without images; loading fails,
// naming the file, for images that are not 32x32 CIFAR pictures.
func TestFolderErrors(t *testing.T) {
	png := encodePNG(t, randomImage(32, 32, 1, false))
	for name, c := range map[string]struct {
		files map[string][]byte
		split string
		want  string
	}{
		"empty root":    {map[string][]byte{"README": []byte("x")}, "train", "no class folders"},
		"empty classes": {map[string][]byte{"train/cat/notes.txt": []byte("x"), "test/cat/a.png": png}, "train", "no .png, .jpg or .jpeg files"},
		"no test":       {map[string][]byte{"train/cat/a.png": png}, "test", "no test folder"},
	} {
		root := folderTree(t, c.files)
		if _, err := Open(root, c.split); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), "train"); err == nil {
		t.Error("missing folder: no error")
	}

	jpg := encodeJPEG(t, randomImage(32, 32, 2, false))
	bad := map[string][]byte{
		"narrow.png":    encodePNG(t, randomImage(31, 32, 3, false)),
		"big.jpg":       encodeJPEG(t, randomImage(64, 64, 3, false)),
		"corrupt.jpg":   append(slices.Clone(jpg[:len(jpg)/2]), make([]byte, 20)...),
		"truncated.png": png[:len(png)-30],
		"text.png":      []byte("hello, not an image"),
		"empty.jpg":     {},
	}
	want := map[string]string{
		"narrow.png": "not 32x32: 31x32", "big.jpg": "not 32x32: 64x64", "text.png": "neither PNG nor JPEG",
		"empty.jpg": "neither PNG nor JPEG", "corrupt.jpg": "", "truncated.png": "",
	}
	files := map[string][]byte{}
	for name, data := range bad {
		files["c/"+name] = data
	}
	files["c/ok.png"] = png
	s, err := Open(folderTree(t, files), "train")
	if err != nil {
		t.Fatal(err) // opening decodes nothing
	}
	px := make([]float32, model.InputLen)
	for i := range s.Len() {
		base := filepath.Base(s.Name(i))
		err := s.Load(i, px)
		if base == "ok.png" {
			if err != nil {
				t.Error(err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), s.Name(i)) || !strings.Contains(err.Error(), want[base]) {
			t.Errorf("%s: error %v, want the path and %q", base, err, want[base])
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	names := []string{"img10.png", "img2.png", "0001.jpg", "1.jpg", "img02.png", "b.png", "a10b2.png", "a10b10.png", "a9.png", "10.jpg", "9.jpg", "A.png"}
	slices.SortFunc(names, naturalCompare)
	want := []string{"0001.jpg", "1.jpg", "9.jpg", "10.jpg", "A.png", "a9.png", "a10b2.png", "a10b10.png", "b.png", "img02.png", "img2.png", "img10.png"}
	if !slices.Equal(names, want) {
		t.Errorf("got  %q\nwant %q", names, want)
	}
	for _, a := range want {
		for _, b := range want {
			if naturalCompare(a, b) != -naturalCompare(b, a) || (naturalCompare(a, b) == 0) != (a == b) {
				t.Fatalf("naturalCompare(%q, %q) is not a total order", a, b)
			}
		}
	}
}
