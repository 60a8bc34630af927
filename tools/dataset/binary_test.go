package dataset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
)

// TestBinaryShipped reads the shortened official CIFAR-10 files.
func TestBinaryShipped(t *testing.T) {
	dir := filepath.Join(modeltest.DataDir(t), "cifar10")
	for split, want := range map[string]int{"train": 4000, "test": 1000, "val": 400, "fit": 3600} {
		s, err := Open(dir, split)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != want || s.Format() != CIFAR10 || !slices.Equal(s.Classes(), cifar10Names) {
			t.Errorf("%s: %d images, %v, classes %q; want %d, CIFAR-10, %q", split, s.Len(), s.Format(), s.Classes(), want, cifar10Names)
		}
		for i := range s.Len() {
			if l := s.Label(i); l < 0 || l >= 10 {
				t.Fatalf("%s: image %d label %d", split, i, l)
			}
		}
	}
	// The folder itself opens too, not only its parent.
	test, err := Open(filepath.Join(dir, "cifar-10-batches-bin"), "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := test.Name(17); got != "test_batch.bin#17" {
		t.Errorf("Name(17) = %q", got)
	}
}

// TestBinaryMatchesSamples checks the README's claim that the binary test
// images are the sample PNGs (test images 0..19, label in the name), pixel
// for pixel, through both readers.
func TestBinaryMatchesSamples(t *testing.T) {
	data := modeltest.DataDir(t)
	test, err := Open(filepath.Join(data, "cifar10"), "test")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, model.InputLen)
	matches, _ := filepath.Glob(filepath.Join(data, "samples", "cifar10_*.png"))
	if len(matches) != 20 {
		t.Fatalf("%d CIFAR-10 samples, want 20", len(matches))
	}
	for _, p := range matches {
		var i, label int
		if _, err := fmt.Sscanf(filepath.Base(p), "cifar10_%d_%d.png", &i, &label); err != nil {
			t.Fatal(err)
		}
		png, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := test.Load(i, got); err != nil {
			t.Fatal(err)
		}
		if want := refPixels(t, png); !slices.Equal(got, want) {
			t.Errorf("test image %d differs from %s", i, filepath.Base(p))
		}
		if test.Label(i) != label {
			t.Errorf("test image %d label %d, file name says %d", i, test.Label(i), label)
		}
	}
}

// binTree writes a CIFAR-10 folder: the named batches, each holding the
// given labels, and the class names.
func binTree(t *testing.T, batches map[string][]byte, meta string) string {
	dir := t.TempDir()
	for name, labels := range batches {
		var data []byte
		for k, l := range labels {
			data = append(data, record(len(name)*100+k, l)...)
		}
		writeFile(t, dir, name, data)
	}
	if meta != "" {
		writeFile(t, dir, "batches.meta.txt", []byte(meta))
	}
	return dir
}

func TestBinarySynthetic(t *testing.T) {
	meta := "a\nb\nc\n\n\n" // the official file ends with blank lines
	dir := binTree(t, map[string][]byte{
		"data_batch_1.bin": {0, 1, 2},
		"data_batch_3.bin": {2, 2}, // batch 2 missing: the ones present, in order
		"test_batch.bin":   {1},
	}, meta)
	train, err := Open(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(train.Classes(), []string{"a", "b", "c"}) || train.Len() != 5 {
		t.Fatalf("classes %q, %d images", train.Classes(), train.Len())
	}
	var labels, names []string
	for i := range train.Len() {
		labels = append(labels, fmt.Sprint(train.Label(i)))
		names = append(names, train.Name(i))
	}
	if got := strings.Join(labels, " "); got != "0 1 2 2 2" {
		t.Errorf("labels %s", got)
	}
	if got := strings.Join(names, " "); got != "data_batch_1.bin#0 data_batch_1.bin#1 data_batch_1.bin#2 data_batch_3.bin#0 data_batch_3.bin#1" {
		t.Errorf("names %s", got)
	}
	// Pixels are the record's bytes / 255 in file order (already CHW).
	px := make([]float32, model.InputLen)
	if err := train.Load(3, px); err != nil {
		t.Fatal(err)
	}
	rec := record(len("data_batch_3.bin")*100+0, 2)
	for j, v := range rec[1:] {
		if px[j] != float32(v)*(1.0/255) { // model.Pixels multiplies by 1/255
			t.Fatalf("value %d = %v, want %d/255", j, px[j], v)
		}
	}
	if err := train.Load(5, px); err == nil {
		t.Error("Load past the end: no error")
	}
	if err := train.Load(0, px[:100]); err == nil {
		t.Error("Load into a short buffer: no error")
	}
}

func TestBinaryCIFAR100(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "cifar-100-binary") // the official archive's folder
	fine := strings.Repeat("x\n", 99) + "last\n"
	writeFile(t, dir, "fine_label_names.txt", []byte(fine))
	writeFile(t, dir, "coarse_label_names.txt", []byte(strings.Repeat("c\n", 20)))
	writeFile(t, dir, "train.bin", slices.Concat(record(1, 19, 99), record(2, 0, 5)))
	writeFile(t, dir, "test.bin", record(3, 4, 42))
	s, err := Open(root, "train")
	if err != nil {
		t.Fatal(err)
	}
	if s.Format() != CIFAR100 || s.Len() != 2 || len(s.Classes()) != 100 || s.Label(0) != 99 || s.Label(1) != 5 {
		t.Fatalf("%v, %d images, %d classes, labels %d %d", s.Format(), s.Len(), len(s.Classes()), s.Label(0), s.Label(1))
	}
	px := make([]float32, model.InputLen)
	if err := s.Load(1, px); err != nil {
		t.Fatal(err)
	}
	if want := float32(record(2)[5]) * (1.0 / 255); px[5] != want {
		t.Errorf("pixel 5 = %v, want %v (two label bytes skipped)", px[5], want)
	}
	test, err := Open(dir, "test")
	if err != nil || test.Len() != 1 || test.Label(0) != 42 || test.Name(0) != "test.bin#0" {
		t.Fatalf("test: %v", err)
	}
}

// TestBinaryErrors checks that each kind of bad file is an error that names
// the file and the problem.
func TestBinaryErrors(t *testing.T) {
	good := record(0, 1)
	cases := []struct {
		name  string
		files map[string][]byte
		split string
		want  []string
	}{
		{"size", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "data_batch_1.bin": append(good, 1, 2, 3)},
			"train", []string{"data_batch_1.bin", "3076", "not a whole number"}},
		{"short", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "test_batch.bin": good[:3000]},
			"test", []string{"test_batch.bin", "3000"}},
		{"empty", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "test_batch.bin": {}},
			"test", []string{"test_batch.bin", "empty"}},
		{"label", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "test_batch.bin": slices.Concat(good, record(1, 2))},
			"test", []string{"test_batch.bin", "record 1", "label 2", "2 classes"}},
		{"no meta", map[string][]byte{"test_batch.bin": good},
			"test", []string{"batches.meta.txt"}},
		{"blank meta", map[string][]byte{"batches.meta.txt": []byte("\n \n"), "test_batch.bin": good},
			"test", []string{"batches.meta.txt", "no class names"}},
		{"no train", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "test_batch.bin": good},
			"train", []string{"no training batches"}},
		{"no test", map[string][]byte{"batches.meta.txt": []byte("a\nb\n"), "data_batch_1.bin": good},
			"test", []string{"test_batch.bin"}},
		{"fine label", map[string][]byte{"fine_label_names.txt": []byte("a\nb\n"), "train.bin": record(0, 0, 2)},
			"train", []string{"train.bin", "label 2"}},
		{"coarse label", map[string][]byte{"fine_label_names.txt": []byte("a\nb\n"), "train.bin": record(0, 20, 1)},
			"train", []string{"train.bin", "coarse label 20"}},
		{"100 size", map[string][]byte{"fine_label_names.txt": []byte("a\nb\n"), "train.bin": record(0, 1)},
			"train", []string{"train.bin", "3073", "3074-byte"}},
		{"split", map[string][]byte{"batches.meta.txt": []byte("a\n"), "test_batch.bin": good},
			"validation", []string{"unknown split"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range c.files {
				writeFile(t, dir, name, data)
			}
			_, err := Open(dir, c.split)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "dataset: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestBinaryPixelsExact checks that every byte value maps to the float32
// model.Pixels gives it.
func TestBinaryPixelsExact(t *testing.T) {
	var rec []byte
	rec = append(rec, 0)
	for i := range pixelBytes {
		rec = append(rec, byte(i))
	}
	src, err := openBinary(writeDir(t, "b.bin", rec), []string{"b.bin"}, layout10, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, model.InputLen)
	if err := src.load(0, got); err != nil {
		t.Fatal(err)
	}
	// The same bytes as an image through model.Pixels.
	img := randomImage(32, 32, 0, false)
	for i := range 1024 {
		for c := range 3 {
			img.Pix[4*i+c] = rec[1+c*1024+i]
		}
	}
	want := make([]float32, model.InputLen)
	if err := model.Pixels(want, img); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Error("binary pixels differ from model.Pixels of the same bytes")
	}
	if !bytes.Equal(rec[1:4], []byte{0, 1, 2}) {
		t.Fatal("bad test record")
	}
}

func writeDir(t *testing.T, name string, data []byte) string {
	dir := t.TempDir()
	writeFile(t, dir, name, data)
	return dir
}
