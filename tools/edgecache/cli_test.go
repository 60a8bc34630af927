package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyModel is a small random ResNet-8 exported by torch (10 classes),
// committed with the ONNX importer's tests.
const tinyModel = "../../model/onnx/testdata/resnet8_tiny.onnx"

// cli runs the command line in-process.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeImage(t *testing.T, path string, w, h int) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUsage(t *testing.T) {
	if code, _, errs := cli(t); code != 2 || !strings.Contains(errs, "commands:") {
		t.Errorf("no command: exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
	for name := range commands {
		args := append(strings.Fields(name), "-h")
		if code, _, _ := cli(t, args...); code != 0 {
			t.Errorf("%s -h: exit %d", name, code)
		}
	}
	if code, _, errs := cli(t, "eval", "-data", "x"); code != 2 || !strings.Contains(errs, "-model is required") {
		t.Errorf("eval without -model: exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "eval", "-model", tinyModel, "-data", "x", "-threads", "0"); code != 2 || !strings.Contains(errs, "-threads 0") {
		t.Errorf("eval -threads 0: exit %d, %q", code, errs)
	}
}

func TestPredict(t *testing.T) {
	dir := t.TempDir()
	good, small, junk := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png"), filepath.Join(dir, "c.png")
	writeImage(t, good, 32, 32)
	writeImage(t, small, 31, 32)
	if err := os.WriteFile(junk, []byte("\x89PNG\r\n\x1a\ntruncated"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errs := cli(t, "predict", "-json", "-model", tinyModel, good)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, errs)
	}
	var p prediction
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("predict -json: %v in %q", err, out)
	}
	if len(p.Logits) != 10 || len(p.Top) != 5 || p.Top[0].Prob < p.Top[1].Prob || p.Top[0].Label == "" {
		t.Errorf("prediction %+v", p)
	}
	// Any size goes: a camera-sized photo is cropped and averaged to
	// 32x32 as the board does it.
	photo := filepath.Join(dir, "photo.png")
	writeImage(t, photo, 320, 240)
	if code, out, errs := cli(t, "predict", "-model", tinyModel, "-roi", "full", photo, small); code != 0 || strings.Count(out, "%") != 10 {
		t.Errorf("predict 320x240 and 31x32: exit %d %s\n%s", code, errs, out)
	}
	for _, c := range []struct{ file, want string }{
		{junk, "c.png"},
		{junk, "png"},
		{filepath.Join(dir, "missing.png"), "no such file"},
	} {
		code, _, errs := cli(t, "predict", "-model", tinyModel, c.file)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("predict %s: exit %d, %q; want an error containing %q", filepath.Base(c.file), code, errs, c.want)
		}
	}
	if code, _, errs := cli(t, "predict", "-model", filepath.Join(dir, "model.bin"), good); code == 0 || !strings.Contains(errs, "model.bin") {
		t.Errorf("unknown model type: exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "predict", "-model", good, good); code != 1 || !strings.Contains(errs, "unknown model type") {
		t.Errorf("image as model: exit %d, %q", code, errs)
	}
}

func TestEvalJSON(t *testing.T) {
	root := t.TempDir()
	for _, class := range []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"} {
		d := filepath.Join(root, "test", class)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeImage(t, filepath.Join(d, "0.png"), 32, 32)
	}
	code, out, errs := cli(t, "eval", "-model", tinyModel, "-data", root, "-json", "-batch", "3")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	var r evalResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("eval -json: %v in %q", err, out)
	}
	// Ten identical black images, one per class: the network gives them one
	// answer, so exactly one is right.
	if r.Images != 10 || r.Top1 != 0.1 || r.Top5 != 0.5 {
		t.Errorf("eval: %+v, want 10 images, top-1 0.1, top-5 0.5", r)
	}
	// A corrupt image stops eval with its name.
	if err := os.WriteFile(filepath.Join(root, "test", "cat", "1.png"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli(t, "eval", "-model", tinyModel, "-data", root); code != 1 || !strings.Contains(errs, "1.png") {
		t.Errorf("corrupt image: exit %d, %q", code, errs)
	}
}
