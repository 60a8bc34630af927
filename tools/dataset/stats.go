package dataset

import (
	"context"
	"errors"
	"math"

	"github.com/edgecache/edgecache/model"
)

// PixelStats returns the mean and the population standard deviation of each
// of the model.InputLen input values over the images of s: the per-pixel
// mean and std images that the cache paper's Keras models normalise their
// input with (numpy's mean and std over the image axis, ddof 0). Sums are
// kept in float64 around the first image's values (a shifted-data variance),
// so neither 60,000 images nor values far from zero cost precision. workers
// decode in parallel as in Batches.
func PixelStats(s *Set, workers int) (mean, std []float32, err error) {
	if s.Len() == 0 {
		return nil, nil, errors.New("dataset: pixel statistics of an empty set")
	}
	shift := make([]float32, model.InputLen)
	sum := make([]float64, model.InputLen)
	sq := make([]float64, model.InputLen)
	err = s.Batches(context.Background(), 64, workers, func(b Batch) error {
		if b.Start == 0 {
			copy(shift, b.Pixels)
		}
		for k := range b.N {
			img := b.Pixels[k*model.InputLen : (k+1)*model.InputLen]
			for i, v := range img {
				d := float64(v) - float64(shift[i])
				sum[i] += d
				sq[i] += d * d
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	n := float64(s.Len())
	mean = make([]float32, model.InputLen)
	std = make([]float32, model.InputLen)
	for i := range mean {
		m := sum[i] / n
		mean[i] = float32(float64(shift[i]) + m)
		std[i] = float32(math.Sqrt(max(0, sq[i]/n-m*m)))
	}
	return mean, std, nil
}
