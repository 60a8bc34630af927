package keras_test

import (
	"fmt"
	"log"
	"os"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/keras"
)

// Load one of the paper's models with its normalisation and read the cache
// keys the paper uses.
func Example() {
	f, err := os.Open("testdata/norm_cifar10_train.bin")
	if err != nil {
		log.Fatal(err)
	}
	norm, err := model.ReadNorm(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	net, err := keras.Load("../shared/data/models/simple-cache/cifar10_ResNet32v1_model.150.h5", norm)
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
