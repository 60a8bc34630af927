package keras_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/keras"
)

// Load one of the paper's models with its normalisation and read the cache
// keys the paper uses. The model is in the shared data folder
// ($EDGECACHE_DATA, or shared/data beside the repository; the README's
// "Data" says where it comes from), which a checkout may lack, so the
// example has no Output line: go test compiles it and does not run it
// (TestGolden runs the same calls on the real file). It prints "10 4096":
// ten logits, and the first tap's 64 x 8 x 8 values.
func Example() {
	data := os.Getenv("EDGECACHE_DATA")
	if data == "" {
		data = "../../../shared/data" // from model/keras, where go test runs
	}
	f, err := os.Open("testdata/norm_cifar10_train.bin")
	if err != nil {
		log.Fatal(err)
	}
	norm, err := model.ReadNorm(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	net, err := keras.Load(filepath.Join(data, "models/simple-cache/cifar10_ResNet32v1_model.150.h5"), norm)
	if err != nil {
		log.Fatal(err)
	}
	taps, err := net.PaperTaps()
	if err != nil {
		log.Fatal(err)
	}
	r, err := net.NewRunner(1, taps...)
	if err != nil {
		log.Fatal(err)
	}
	pixels := make([]float32, model.InputLen) // from model.Pixels
	logits, err := r.Run(pixels, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(logits), len(r.Tap(taps[0])))
}
