package dataset_test

import (
	"context"
	"fmt"
	"log"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/dataset"
)

// Stream the 45,000 fitting images of the JPEG CIFAR-10 copy, with their
// flips, as a cache builder does.
func Example() {
	fit, err := dataset.Open("../shared/data/cifar10-jpeg", "fit")
	if err != nil {
		log.Fatal(err)
	}
	flipped := make([]float32, 0)
	err = fit.Batches(context.Background(), 100, 2, func(b dataset.Batch) error {
		// b.Pixels is reused after this call returns: use or copy it here.
		flipped = append(flipped[:0], b.Pixels...)
		for k := range b.N {
			img := flipped[k*model.InputLen : (k+1)*model.InputLen]
			dataset.Flip(img, img)
		}
		// ... run the network on b.Pixels and on flipped, add keys with b.Labels ...
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fit.Len(), "images of", len(fit.Classes()), "classes")
}
