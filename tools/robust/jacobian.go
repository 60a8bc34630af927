package robust

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Jacobian is the Classes x InputLen Jacobian of a model's probabilities with
// respect to the pixels at one image, summarised as in the paper's
// resnet_jacobian.py (eminorhan/simple-cache): its singular values (largest
// first) and Frobenius norm.
type Jacobian struct {
	Frobenius float64
	Singular  []float64
}

// JacobianAt computes d p / d pixels at x (one backward pass per class) and
// its singular values with gonum's SVD.
func JacobianAt(m Differentiable, x []float32) (Jacobian, error) {
	js, err := Jacobians(m, [][]float32{x}, nil)
	if err != nil {
		return Jacobian{}, err
	}
	return js[0], nil
}

// jacobianBatch is how many images share one BackwardBatch (for a cache
// model, one scan of its keys).
const jacobianBatch = 64

// Jacobians is JacobianAt for many images, jacobianBatch at a time;
// progress, when not nil, gets the count done after each batch.
func Jacobians(m Differentiable, xs [][]float32, progress func(done int)) ([]Jacobian, error) {
	k := m.Classes()
	out := make([]Jacobian, 0, len(xs))
	for i0 := 0; i0 < len(xs); i0 += jacobianBatch {
		batch := xs[i0:min(i0+jacobianBatch, len(xs))]
		dst := make([][][]float32, len(batch))
		seeds := make([][][]float64, len(batch))
		for i, x := range batch {
			dst[i] = make([][]float32, k)
			seeds[i] = make([][]float64, k)
			for c := range dst[i] {
				dst[i][c] = make([]float32, len(x))
				seeds[i][c] = make([]float64, k)
				seeds[i][c][c] = 1
			}
		}
		if _, err := m.BackwardBatch(dst, batch, seeds); err != nil {
			return nil, err
		}
		for _, rows := range dst {
			j, err := summarise(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, j)
		}
		if progress != nil {
			progress(len(out))
		}
	}
	return out, nil
}

// summarise gives the Frobenius norm and singular values of the Jacobian
// whose rows are rows.
func summarise(rows [][]float32) (Jacobian, error) {
	data := make([]float64, 0, len(rows)*len(rows[0]))
	var fro float64
	for _, r := range rows {
		for _, v := range r {
			data = append(data, float64(v))
			fro += float64(v) * float64(v)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(len(rows), len(rows[0]), data), mat.SVDNone) {
		return Jacobian{}, fmt.Errorf("robust: SVD of the Jacobian did not converge")
	}
	return Jacobian{Frobenius: math.Sqrt(fro), Singular: svd.Values(nil)}, nil
}
