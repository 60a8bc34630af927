package quant

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/keras"
	"github.com/edgecache/edgecache/model/modeltest"
	"github.com/edgecache/edgecache/model/onnx"
	"github.com/edgecache/edgecache/model/torchfile"
)

// TestRealAccuracy quantizes the published CIFAR-10 ResNets and compares
// float and int8 top-1 on the 1,000 lossless test images: the only check of
// int8 against float on the real models, so it runs in every full `go test`
// (CI's `make test` included: about a minute of CPU over the five models,
// the subtests in parallel). -short skips it (the qemu runs of test-arm);
// one model: go test -run 'RealAccuracy/akamaster-resnet20' ./quant/
func TestRealAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data accuracy takes a minute of CPU; skipped with -short")
	}
	for _, c := range []struct {
		name string
		load func(path string) (*model.Net, error)
		file string
	}{
		{"akamaster-resnet20", func(p string) (*model.Net, error) { return torchfile.Load(p, torchfile.AkamasterSpec) },
			"models/akamaster/resnet20-12fca82f.th"},
		{"akamaster-resnet32", func(p string) (*model.Net, error) { return torchfile.Load(p, torchfile.AkamasterSpec) },
			"models/akamaster/resnet32-d509ac18.th"},
		{"ace-resnet32", func(p string) (*model.Net, error) { return onnx.Load(p, onnx.DefaultSpec) },
			"models/ace-compiler/resnet32_cifar10_pre.onnx"},
		{"paper-resnet20", kerasLoad, "models/simple-cache/cifar10_ResNet20v1_model.178.h5"},
		{"paper-resnet32", kerasLoad, "models/simple-cache/cifar10_ResNet32v1_model.150.h5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			net, err := c.load(modeltest.File(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			checkAccuracy(t, net)
		})
	}
}

// kerasLoad loads one of the paper's Keras models with the per-pixel
// normalisation model/keras's tests use (tools/golden/keras_golden.py made
// it from the training images).
func kerasLoad(path string) (*model.Net, error) {
	f, err := os.Open(filepath.Join("..", "model", "keras", "testdata", "norm_cifar10_train.bin"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	norm, err := model.ReadNorm(f)
	if err != nil {
		return nil, err
	}
	return keras.Load(path, norm)
}
