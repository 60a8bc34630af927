package main

import (
	"fmt"
	"io"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/tools/dataset"
)

func init() {
	register("norm", "per-pixel input mean and std over training images (Keras models' normalisation)", runNorm)
}

func runNorm(args []string, stdout io.Writer) error {
	fs := newFlags("norm", "-data DIR [-split train] -o FILE")
	data := fs.String("data", "", "data set (ImageFolder root or CIFAR binary folder)")
	split := fs.String("split", "train", "images to average over; the paper used all 60,000 CIFAR images, test included: we use training images only")
	out := fs.String("o", "", "output normalisation file")
	threads := fs.Int("threads", defaultThreads(), "decoding goroutines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return usagef("-data and -o are required")
	}
	set, err := dataset.Open(*data, *split)
	if err != nil {
		return err
	}
	mean, std, err := dataset.PixelStats(set, *threads)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { return model.WriteNorm(w, model.Norm{Mean: mean, Std: std}) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: per-pixel mean and std over %d %s images of %s\n", *out, set.Len(), *split, *data)
	return nil
}
