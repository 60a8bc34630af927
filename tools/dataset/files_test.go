package dataset_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/tools/dataset"
)

func TestOpenFilesSamples(t *testing.T) {
	s, err := dataset.OpenFiles(filepath.Join(modeltest.DataDir(t), "samples", "cifar100_*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 20 || s.Classes() != nil {
		t.Fatalf("%d images, classes %v; want 20 and none", s.Len(), s.Classes())
	}
	// cifar100_00_49.png sorts first and is labelled 49.
	if s.Label(0) != 49 || filepath.Base(s.Name(0)) != "cifar100_00_49.png" {
		t.Errorf("first image %s label %d", s.Name(0), s.Label(0))
	}
}

func TestOpenFilesErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := dataset.OpenFiles(filepath.Join(dir, "*.png")); err == nil {
		t.Error("empty match accepted")
	}
	f, err := os.Create(filepath.Join(dir, "nolabel.png"))
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 32, 32)))
	f.Close()
	if _, err := dataset.OpenFiles(filepath.Join(dir, "*.png")); err == nil {
		t.Error("name without a label accepted")
	}
	// A relative pattern through a parent folder ("../") still matches.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	writeImg := func(path string) {
		f, _ := os.Create(path)
		png.Encode(f, image.NewRGBA(image.Rect(0, 0, 32, 32)))
		f.Close()
	}
	writeImg(filepath.Join(dir, "a_3.png"))
	t.Chdir(sub)
	if s, err := dataset.OpenFiles("../a_*.png"); err != nil || s.Len() != 1 || s.Label(0) != 3 {
		t.Errorf("relative pattern: %v", err)
	}
	if _, err := dataset.OpenFiles("["); err == nil {
		t.Error("bad pattern accepted")
	}
}
