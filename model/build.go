package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Build infers the architecture from the tensors in w (see the package comment
// for their names), checks every shape against it and folds batch norm into the
// convolutions. It consumes w: tensors are removed as they are used, and any
// left over is an error, so a file with layers this model does not know is
// refused rather than silently half-loaded.
func Build(spec Spec, w Weights) (*Net, error) {
	if err := spec.Norm.validate(); err != nil {
		return nil, err
	}
	if spec.BNEps == 0 {
		spec.BNEps = 1e-5
	}
	w = cloneWeights(w)
	n := &Net{Spec: spec}

	blocks := 0
	for w.has(fmt.Sprintf("layer1.%d.conv1.weight", blocks)) {
		blocks++
	}
	if blocks == 0 {
		return nil, fmt.Errorf("model: no residual blocks found (missing tensor %q)", "layer1.0.conv1.weight")
	}
	n.Depth = 6*blocks + 2
	fc, ok := w["fc.weight"]
	if !ok || len(fc.Shape) != 2 {
		return nil, fmt.Errorf("model: missing tensor %q (shape [classes %d])", "fc.weight", Widths[2])
	}
	n.Classes = fc.Shape[0]
	n.Shortcut = ShortcutA
	if w.has("layer2.0.shortcut.weight") {
		n.Shortcut = ShortcutB
	}

	var err error
	if n.Stem, err = w.conv("conv1", "bn1", Widths[0], InputChannels, 3, 1, spec); err != nil {
		return nil, err
	}
	in := Widths[0]
	for s := range n.Stages {
		n.Stages[s] = make([]Block, blocks)
		for b := range n.Stages[s] {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			p := fmt.Sprintf("layer%d.%d.", s+1, b)
			blk := &n.Stages[s][b]
			out := Widths[s]
			if blk.Conv1, err = w.conv(p+"conv1", p+"bn1", out, in, 3, stride, spec); err != nil {
				return nil, err
			}
			if blk.Conv2, err = w.conv(p+"conv2", p+"bn2", out, out, 3, 1, spec); err != nil {
				return nil, err
			}
			if n.Shortcut == ShortcutB && (stride != 1 || in != out) {
				sc, err := w.conv(p+"shortcut", p+"shortcut_bn", out, in, 1, stride, spec)
				if err != nil {
					return nil, err
				}
				blk.Shortcut = &sc
			}
			in = out
		}
	}
	if n.FC.Weight, n.FC.Bias, err = w.dense("fc", n.Classes, Widths[2]); err != nil {
		return nil, err
	}
	n.FC.In, n.FC.Out = Widths[2], n.Classes
	if len(w) > 0 {
		left := make([]string, 0, len(w))
		for k := range w {
			left = append(left, k)
		}
		slices.Sort(left)
		return nil, fmt.Errorf("model: %d unexpected tensor(s) for %v: %s", len(left), n, strings.Join(left, ", "))
	}
	if len(spec.Labels) != 0 && len(spec.Labels) != n.Classes {
		return nil, fmt.Errorf("model: %d labels for %d classes", len(spec.Labels), n.Classes)
	}
	n.prepareNorm()
	n.listTaps()
	n.pack()
	return n, nil
}

func cloneWeights(w Weights) Weights {
	c := make(Weights, len(w))
	for k, v := range w {
		c[k] = v
	}
	return c
}

func (w Weights) has(name string) bool { _, ok := w[name]; return ok }

// conv takes a convolution and, when present, its batch norm and folds them.
func (w Weights) conv(name, bn string, out, in, k, stride int, spec Spec) (Conv, error) {
	c := Conv{Out: out, In: in, K: k, Stride: stride, Padding: spec.Padding}
	wt, _, err := w.take(name+".weight", false, out, in, k, k)
	if err != nil {
		return c, err
	}
	c.Weight = slices.Clone(wt.Data)
	c.Bias = make([]float32, out)
	if b, ok, err := w.take(name+".bias", true, out); err != nil {
		return c, err
	} else if ok {
		copy(c.Bias, b.Data)
	}
	var parts [4][]float32
	found := 0
	for i, p := range []string{"weight", "bias", "running_mean", "running_var"} {
		t, ok, err := w.take(bn+"."+p, true, out)
		if err != nil {
			return c, err
		}
		if ok {
			parts[i] = t.Data
			found++
		}
	}
	switch found {
	case 0:
		return c, nil
	case 4:
	default:
		return c, fmt.Errorf("model: batch norm %q is incomplete: needs weight, bias, running_mean and running_var", bn)
	}
	foldBN(&c, parts[0], parts[1], parts[2], parts[3], spec.BNEps)
	return c, nil
}

// foldBN rewrites y = gamma*(conv(x)+b-mean)/sqrt(var+eps) + beta as one
// convolution, in float64 so the fold adds no rounding of its own.
func foldBN(c *Conv, gamma, beta, mean, variance []float32, eps float64) {
	per := len(c.Weight) / c.Out
	for o := 0; o < c.Out; o++ {
		s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+eps)
		for i := o * per; i < (o+1)*per; i++ {
			c.Weight[i] = float32(float64(c.Weight[i]) * s)
		}
		c.Bias[o] = float32((float64(c.Bias[o])-float64(mean[o]))*s + float64(beta[o]))
	}
}

func (w Weights) dense(name string, out, in int) (weight, bias []float32, err error) {
	wt, _, err := w.take(name+".weight", false, out, in)
	if err != nil {
		return nil, nil, err
	}
	bias = make([]float32, out)
	if b, ok, err := w.take(name+".bias", true, out); err != nil {
		return nil, nil, err
	} else if ok {
		copy(bias, b.Data)
	}
	return slices.Clone(wt.Data), bias, nil
}

func (n *Net) prepareNorm() {
	n.scale = make([]float32, InputLen)
	n.offset = make([]float32, InputLen)
	plane := InputSize * InputSize
	for i := range n.scale {
		j := i
		if len(n.Spec.Norm.Mean) == InputChannels {
			j = i / plane
		}
		inv := 1 / float64(n.Spec.Norm.Std[j])
		n.scale[i] = float32(inv)
		n.offset[i] = float32(-float64(n.Spec.Norm.Mean[j]) * inv)
	}
}

// pack lays every convolution's weights out for the fast kernels, once.
func (n *Net) pack() {
	n.Stem.packed = packConv(&n.Stem)
	for s := range n.Stages {
		for b := range n.Stages[s] {
			blk := &n.Stages[s][b]
			blk.Conv1.packed = packConv(&blk.Conv1)
			blk.Conv2.packed = packConv(&blk.Conv2)
			if blk.Shortcut != nil {
				blk.Shortcut.packed = packConv(blk.Shortcut)
			}
		}
	}
}
