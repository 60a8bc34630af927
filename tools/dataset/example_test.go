package dataset_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/dataset"
)

// Stream the fitting images of an ImageFolder tree with their flips, as a
// cache builder does. The tree here is written on the spot (two classes of
// 20 training images); with the real data it is
// dataset.Open("../shared/data/cifar10-jpeg", "fit"): 45,000 images of 10
// classes, the last 10% of each class being the "val" split.
func Example() {
	root, err := os.MkdirTemp("", "dataset-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	for _, class := range []string{"cat", "dog"} {
		dir := filepath.Join(root, "train", class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			img := image.NewGray(image.Rect(0, 0, 32, 32))
			img.Set(i, i, color.Gray{Y: 255})
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				log.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.png", i)), b.Bytes(), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}

	fit, err := dataset.Open(root, "fit")
	if err != nil {
		log.Fatal(err)
	}
	images := 0
	flipped := make([]float32, 0)
	err = fit.Batches(context.Background(), 8, 2, func(b dataset.Batch) error {
		// b.Pixels is reused after this call returns: use or copy it here.
		flipped = append(flipped[:0], b.Pixels[:b.N*model.InputLen]...)
		for k := range b.N {
			img := flipped[k*model.InputLen : (k+1)*model.InputLen]
			dataset.Flip(img, img)
		}
		// ... run the network on b.Pixels and on flipped, add keys with b.Labels ...
		images += 2 * b.N
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fit.Len(), "images of", fit.Classes(), "and their flips:", images, "keys")
	// Output: 36 images of [cat dog] and their flips: 72 keys
}
