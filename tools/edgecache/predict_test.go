package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
)

// picture is a w x h image of random colours, opaque.
func picture(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// framed is small enlarged k times into the middle of a w x h frame of
// other random colours: what a camera sees when the object fills the
// centred square. k is a power of two, so that the area average of each k x
// k block is exact in float32 and the crop gives small's own tensor bit for
// bit.
func framed(small *image.NRGBA, k, w, h int, seed uint64) *image.NRGBA {
	img := picture(w, h, seed)
	s := small.Bounds().Dx() * k
	x0, y0 := (w-s)/2, (h-s)/2
	for y := range s {
		for x := range s {
			img.SetNRGBA(x0+x, y0+y, small.NRGBAAt(x/k, y/k))
		}
	}
	return img
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func predictJSON(t *testing.T, args ...string) prediction {
	t.Helper()
	code, out, errs := cli(t, append([]string{"predict", "-json"}, args...)...)
	var p prediction
	if err := json.Unmarshal([]byte(out), &p); code != 0 || err != nil {
		t.Fatalf("predict %v: exit %d, %v: %s%s", args, code, err, out, errs)
	}
	return p
}

// TestPredictCropsAsBoard: a camera-sized photo is cropped to its centred
// square and area-averaged to 32x32, as device/frame does on the board. A
// 32x32 image enlarged 8 times into the middle of a 384x256 photo of other
// colours gives the 32x32 image's logits bit for bit; the whole photo
// (-roi full) does not.
func TestPredictCropsAsBoard(t *testing.T) {
	dir := t.TempDir()
	small := picture(32, 32, 1)
	smallPath, photoPath := filepath.Join(dir, "small.png"), filepath.Join(dir, "photo.png")
	savePNG(t, smallPath, small)
	savePNG(t, photoPath, framed(small, 8, 384, 256, 2))

	want := predictJSON(t, "-model", tinyModel, smallPath)
	got := predictJSON(t, "-model", tinyModel, photoPath)
	if len(got.Logits) != 10 || len(want.Logits) != 10 {
		t.Fatalf("logits %v and %v", got.Logits, want.Logits)
	}
	for i := range want.Logits {
		if got.Logits[i] != want.Logits[i] {
			t.Fatalf("photo's logit %d is %v, the 32x32 image's %v: the photo was not cropped and averaged as the board does",
				i, got.Logits[i], want.Logits[i])
		}
	}
	full := predictJSON(t, "-model", tinyModel, "-roi", "full", photoPath)
	same := true
	for i := range want.Logits {
		same = same && full.Logits[i] == want.Logits[i]
	}
	if same {
		t.Error("-roi full gives the centred square's logits: the flag is ignored")
	}
	if code, _, errs := cli(t, "predict", "-model", tinyModel, "-roi", "middle", photoPath); code != 2 || !bytesContains(errs, "-roi") {
		t.Errorf("-roi middle: exit %d, %q", code, errs)
	}
	// The size limit is the host's, not the board's, and a flag sets it.
	if code, _, errs := cli(t, "predict", "-model", tinyModel, "-max-pixels", "90000", photoPath); code != 1 || !bytesContains(errs, "over the 90000-pixel limit") {
		t.Errorf("-max-pixels 90000 on a 384x256 photo: exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "predict", "-model", tinyModel, "-max-pixels", "-1", photoPath); code != 2 || !bytesContains(errs, "max pixels") {
		t.Errorf("-max-pixels -1: exit %d, %q", code, errs)
	}
}

// TestPredictBundleIsBoardPath: predict -bundle on a 320x240 JPEG photo gives
// the probabilities the board's classifier (bundle.Classifier, which the
// firmware runs) gives on the same bytes as a camera frame, bit for bit.
func TestPredictBundleIsBoardPath(t *testing.T) {
	qPath, cPath := bundleParts(t)
	out := filepath.Join(t.TempDir(), "board.bundle")
	if code, stdout, stderr := cli(t, "bundle", "-quant", qPath, "-cache", cPath, "-o", out); code != 0 {
		t.Fatalf("bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	img := picture(320, 240, 3)
	for y := range 240 { // something smoother than noise, for the JPEG
		for x := range 320 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(photo, jpg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := predictJSON(t, "-bundle", out, "-top", "2", photo)
	if code, _, errs := cli(t, "predict", "-bundle", out, "-max-pixels", "70000", photo); code != 1 || !bytesContains(errs, "over the 70000-pixel limit") {
		t.Errorf("-bundle -max-pixels 70000 on a 320x240 photo: exit %d, %q", code, errs)
	}

	b, err := bundle.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := bundle.NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cl.Classify(device.Frame{Data: jpg.Bytes(), Format: device.JPEG})
	if err != nil {
		t.Fatal(err)
	}
	want := cl.Top(r, 2)
	if len(got.Top) != len(want) {
		t.Fatalf("predict gave %d classes, want %d", len(got.Top), len(want))
	}
	for i, w := range want {
		if g := got.Top[i]; g.Class != w.Class || g.Label != w.Label || g.Prob != float64(w.Prob) {
			t.Errorf("rank %d: predict %+v, the board's classifier %+v", i, g, w)
		}
	}
}

func bytesContains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }
