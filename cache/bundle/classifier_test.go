package bundle

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
)

func randomImage(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 9))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// TestClassifierMatchesParts: a 32x32 frame through the Classifier gives the
// probabilities of the parts run by hand (model.Pixels, the int8 runner, the
// board lookup, the mixture), bit for bit.
func TestClassifierMatchesParts(t *testing.T) {
	b := testBundle(t)
	cl, err := NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	img := randomImage(32, 32, 1)
	r, err := cl.Classify(device.Frame{Image: img})
	if err != nil {
		t.Fatal(err)
	}

	pixels := make([]float32, model.InputLen)
	if err := model.Pixels(pixels, img); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tap := range b.Cache.Spec().Taps {
		names = append(names, tap.Name)
	}
	run, err := b.Model.NewRunner(1, names...)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := run.Run(pixels, 1)
	if err != nil {
		t.Fatal(err)
	}
	pNet := make([]float32, 3)
	model.Softmax(pNet, logits)
	taps := make([][]float32, len(names))
	for i, n := range names {
		taps[i] = run.Tap(n)
	}
	pCache := make([]float32, 3)
	if err := b.Cache.TapProbs(pCache, b.Cache.NewScratch(), taps); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 3)
	if err := cache.Mix(want, pNet, pCache, b.Cache.Lambda); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if r.Probs[i] != want[i] {
			t.Fatalf("probs %v, parts give %v", r.Probs, want)
		}
	}
	if r.Class != argmax(want) || r.Net != argmax(pNet) || r.Prob != want[r.Class] {
		t.Errorf("result %+v", r)
	}
	top := cl.Top(r, 2)
	if len(top) != 2 || top[0].Class != r.Class || top[0].Prob < top[1].Prob || top[0].Label != b.Meta.Classes[r.Class] {
		t.Errorf("top %+v", top)
	}
}

// TestClassifierCameraFrame: a 320x240 JPEG frame classifies, and its result
// is the one of its centred square averaged to 32x32.
func TestClassifierCameraFrame(t *testing.T) {
	cl, err := NewClassifier(testBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	img := randomImage(320, 240, 2)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	r, err := cl.Classify(device.Frame{Data: buf.Bytes(), Format: device.JPEG, Width: 320, Height: 240})
	if err != nil {
		t.Fatal(err)
	}
	if r.Prob <= 0 || r.Prob > 1 || r.Network <= 0 || r.Cache <= 0 {
		t.Errorf("result %+v", r)
	}
	// A corrupt frame is an error, not a panic, and the classifier goes on.
	if _, err := cl.Classify(device.Frame{Data: buf.Bytes()[:100], Format: device.JPEG}); err == nil {
		t.Error("truncated JPEG classified")
	}
	if _, err := cl.Classify(device.Frame{Data: buf.Bytes(), Format: device.JPEG}); err != nil {
		t.Errorf("after a bad frame: %v", err)
	}
}

// TestClassifierFullDecode: the bundle's FullDecode setting survives the
// file and reaches the frame converter: a 320x240 JPEG becomes the pixels
// device/frame gives with the same setting, and the two settings differ.
func TestClassifierFullDecode(t *testing.T) {
	img := randomImage(320, 240, 3)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	f := device.Frame{Data: buf.Bytes(), Format: device.JPEG, Width: 320, Height: 240}
	var got [2][]float32
	for i, full := range []bool{false, true} {
		b := testBundle(t)
		b.Meta.Preprocess.FullDecode = full
		var file bytes.Buffer
		if _, err := b.Write(&file); err != nil {
			t.Fatal(err)
		}
		rb, err := Read(file.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if rb.Meta.Preprocess.FullDecode != full {
			t.Fatalf("FullDecode %v read back as %v", full, rb.Meta.Preprocess.FullDecode)
		}
		cl, err := NewClassifier(rb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Classify(f); err != nil {
			t.Fatal(err)
		}
		conv, err := frame.New(&frame.Opts{Size: 32, FullDecode: full})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, conv.Len())
		if err := conv.Pixels(want, f); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cl.pixels, want) {
			t.Errorf("FullDecode %v: the classifier's input is not device/frame's", full)
		}
		got[i] = want
	}
	if slices.Equal(got[0], got[1]) {
		t.Error("the reduced-scale and full decodes gave the same input: is the setting used?")
	}
}

func TestClassifierRefusesOtherSize(t *testing.T) {
	b := testBundle(t)
	b.Meta.Preprocess.Size = 64
	if _, err := NewClassifier(b); err == nil {
		t.Error("a 64x64 preprocessing accepted for a 32x32 network")
	}
}

// Teaching a new class from the current frame: the frame's own key, added
// under the new label, makes the next look at the same frame that class.
func TestClassifierTeachNewClass(t *testing.T) {
	b := testBundle(t)
	b.Cache.Lambda = 0.6
	cl, err := NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]float32, b.Cache.Dim())
	if err := cl.Key(key); err == nil {
		t.Error("a key before any frame")
	}
	f := device.Frame{Image: randomImage(48, 40, 5)}
	if _, err := cl.Classify(f); err != nil {
		t.Fatal(err)
	}
	if err := cl.Key(key); err != nil {
		t.Fatal(err)
	}
	y, err := cl.AddClass("teapot")
	if err != nil || y != 3 || cl.Label(3) != "teapot" || cl.Class("teapot") != 3 {
		t.Fatalf("AddClass: %d %v", y, err)
	}
	if _, err := cl.AddClass("cat"); err == nil {
		t.Error("a taken name accepted")
	}
	if err := b.Cache.Add(key, y); err != nil {
		t.Fatal(err)
	}
	b.Cache.Theta = 200 // the frame's own key dominates p_cache
	r, err := cl.Classify(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Probs) != 4 || r.Class != 3 || cl.Top(r, 1)[0].Label != "teapot" {
		t.Errorf("after teaching: %+v", r)
	}
	var sum float32
	for _, p := range r.Probs {
		sum += p
	}
	if sum < 0.999 || sum > 1.001 {
		t.Errorf("probabilities sum to %v", sum)
	}
}
