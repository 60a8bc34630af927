package model_test

import (
	"os"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/onnx"
)

// On the real ResNet32 (ace-compiler's ONNX file) and the 1,000 lossless
// CIFAR-10 test images, the Winograd path must give the direct path's top-1
// accuracy, and may change an image's class only where the direct path's
// top two logits are within rounding of each other.
func TestWinogradRealResNet32(t *testing.T) {
	if !model.WinogradInUse() {
		t.Skip("the float engine uses Winograd only where its transforms run in assembly (amd64 with AVX-512)")
	}
	net, err := onnx.Load(modeltest.File(t, "models/ace-compiler/resnet32_cifar10_pre.onnx"), onnx.DefaultSpec)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(modeltest.File(t, "cifar10/cifar-10-batches-bin/test_batch.bin"))
	if err != nil {
		t.Fatal(err)
	}
	const rec = 1 + model.InputLen
	if len(raw) == 0 || len(raw)%rec != 0 {
		t.Fatalf("test_batch.bin: %d bytes, not a whole number of %d-byte records", len(raw), rec)
	}
	const batch = 50
	wino, _ := net.NewRunner(batch)
	direct, _ := net.NewRunner(batch)
	model.UseDirectConvolutions(direct)
	x := make([]float32, batch*model.InputLen)
	images := len(raw) / rec
	var rightWino, rightDirect, changed int
	for i0 := 0; i0 < images; i0 += batch {
		n := min(batch, images-i0)
		labels := make([]int, n)
		for i := range n {
			r := raw[(i0+i)*rec : (i0+i+1)*rec]
			labels[i] = int(r[0])
			for j, v := range r[1:] {
				x[i*model.InputLen+j] = float32(v) / 255
			}
		}
		lw, err := wino.Run(x[:n*model.InputLen], n)
		if err != nil {
			t.Fatal(err)
		}
		ld, _ := direct.Run(x[:n*model.InputLen], n)
		for i := range n {
			c := net.Classes
			gw, gd := argmax(lw[i*c:(i+1)*c]), argmax(ld[i*c:(i+1)*c])
			if gw == labels[i] {
				rightWino++
			}
			if gd == labels[i] {
				rightDirect++
			}
			if gw != gd {
				changed++
				// The two paths differ by about 1e-5 of the logits' scale
				// (TestRunnerFastMatchesReference); a flip needs a tie.
				if m := ld[i*c+gd] - ld[i*c+gw]; m > 1e-3 {
					t.Errorf("image %d: Winograd says class %d, direct %d, whose logits differ by %g", i0+i, gw, gd, m)
				}
			}
		}
	}
	t.Logf("%d images: top-1 %d (Winograd) and %d (direct), %d classes changed", images, rightWino, rightDirect, changed)
	if rightWino != rightDirect {
		t.Errorf("top-1: %d of %d with Winograd, %d with the direct path", rightWino, images, rightDirect)
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
