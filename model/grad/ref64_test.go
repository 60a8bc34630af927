package grad

import (
	"fmt"

	"github.com/edgecache/edgecache/model"
)

// forward64 runs net on one image in float64 with the direct convolution of
// convRef64, returning the logits and every tap Backprop takes seeds for.
// Finite differences need it: a float32 forward rounds a loss of 100 (a
// random network's) to 1e-5, which a step of 1e-3 turns into a slope error
// of 1e-2.
func forward64(net *model.Net, pixels []float64) (logits []float64, taps map[string][]float64) {
	taps = map[string][]float64{}
	norm := net.Spec.Norm
	plane := model.InputSize * model.InputSize
	x := make([]float64, model.InputLen)
	for i, v := range pixels {
		j := i
		if len(norm.Mean) == model.InputChannels {
			j = i / plane
		}
		x[i] = (v - float64(norm.Mean[j])) / float64(norm.Std[j])
	}
	conv := func(c *model.Conv, in []float64, size int) ([]float64, int) {
		out := convRef64(c, in, size, size)
		oh, _ := c.OutSize(size, size)
		for o := 0; o < c.Out; o++ {
			for j := o * oh * oh; j < (o+1)*oh*oh; j++ {
				out[j] += float64(c.Bias[o])
			}
		}
		return out, oh
	}
	relu := func(v []float64) {
		for i := range v {
			v[i] = max(v[i], 0)
		}
	}
	size := model.InputSize
	x, size = conv(&net.Stem, x, size)
	relu(x)
	taps["conv1"] = x
	for s := range net.Stages {
		for k := range net.Stages[s] {
			blk := &net.Stages[s][k]
			name := fmt.Sprintf("layer%d.%d", s+1, k)
			mid, osz := conv(&blk.Conv1, x, size)
			relu(mid)
			taps[name+".relu"] = mid
			out, _ := conv(&blk.Conv2, mid, osz)
			switch {
			case blk.Shortcut != nil:
				r, _ := conv(blk.Shortcut, x, size)
				for i := range out {
					out[i] += r[i]
				}
			case blk.Conv1.Stride != 1 || blk.Conv1.In != blk.Conv1.Out:
				lo := (blk.Conv1.Out - blk.Conv1.In) / 2
				st := blk.Conv1.Stride
				for c := 0; c < blk.Conv1.In; c++ {
					for y := 0; y < osz; y++ {
						for xx := 0; xx < osz; xx++ {
							out[((c+lo)*osz+y)*osz+xx] += x[(c*size+y*st)*size+xx*st]
						}
					}
				}
			default:
				for i := range out {
					out[i] += x[i]
				}
			}
			relu(out)
			taps[name] = out
			x, size = out, osz
		}
	}
	c := len(x) / (size * size)
	pool := make([]float64, c)
	for i := range pool {
		for _, v := range x[i*size*size : (i+1)*size*size] {
			pool[i] += v
		}
		pool[i] /= float64(size * size)
	}
	taps["pool"] = pool
	fc := &net.FC
	logits = make([]float64, fc.Out)
	for o := range logits {
		logits[o] = float64(fc.Bias[o])
		for i, w := range fc.Weight[o*fc.In : (o+1)*fc.In] {
			logits[o] += float64(w) * pool[i]
		}
	}
	return logits, taps
}
