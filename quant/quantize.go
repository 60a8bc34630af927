package quant

import (
	"fmt"
	"math"
	"slices"

	"github.com/edgecache/edgecache/model"
)

// Quantize builds the int8 model of net from a calibration of that same net,
// taking each tensor's range with obs. The normalised input's range is not
// calibrated: it is the exact image of [0, 1] under the normalisation.
func Quantize(net *model.Net, cal *Calibration, obs Observer) (*Model, error) {
	if cal == nil || cal.net != net {
		return nil, fmt.Errorf("quant: the calibration was made on another network")
	}
	if err := obs.valid(); err != nil {
		return nil, err
	}
	m, err := skeleton(net.Depth, net.Classes, net.Shortcut, net.Spec.Padding)
	if err != nil {
		return nil, err
	}
	m.Name = net.Spec.Name
	m.Labels = slices.Clone(net.Spec.Labels)
	m.Norm = model.Norm{Mean: slices.Clone(net.Spec.Norm.Mean), Std: slices.Clone(net.Spec.Norm.Std)}
	if m.Input, err = chooseParams(inputRange(m.Norm)); err != nil {
		return nil, fmt.Errorf("quant: input: %w", err)
	}
	params := func(name string) (Params, error) {
		lo, hi, err := cal.Range(name, obs)
		if err != nil {
			return Params{}, err
		}
		p, err := chooseParams(lo, hi)
		if err != nil {
			return Params{}, fmt.Errorf("%w (tensor %s)", err, name)
		}
		return p, nil
	}
	conv := func(dst *Conv, src *model.Conv, in Params, out string) (Params, error) {
		p, err := params(out)
		if err != nil {
			return p, err
		}
		return p, quantizeConv(dst, src, in, p, out)
	}

	x, err := conv(&m.Stem, &net.Stem, m.Input, "conv1")
	if err != nil {
		return nil, err
	}
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk, fb := &m.Stages[s][b], &net.Stages[s][b]
			p := blockName(s, b)
			mid, err := conv(&blk.Conv1, &fb.Conv1, x, p+".relu")
			if err != nil {
				return nil, err
			}
			c2, err := conv(&blk.Conv2, &fb.Conv2, mid, p+".conv2")
			if err != nil {
				return nil, err
			}
			res := x // identity, or option A: bytes moved, parameters kept
			if blk.Shortcut != nil {
				if res, err = conv(blk.Shortcut, fb.Shortcut, x, p+".shortcut"); err != nil {
					return nil, err
				}
			}
			out, err := params(p)
			if err != nil {
				return nil, err
			}
			if err := quantizeAdd(&blk.Add, c2, res, out); err != nil {
				return nil, fmt.Errorf("%w (block %s)", err, p)
			}
			x = out
		}
	}
	quantizeDense(&m.FC, &net.FC, x)
	if err := m.prepare(); err != nil {
		return nil, err
	}
	return m, nil
}

// quantizeWeights quantizes rows of per values symmetrically, one scale per
// row: max |w| maps to 127. An all-zero row gets scale 1.
func quantizeWeights(w []float32, rows int) (q []int8, scale []float32) {
	per := len(w) / rows
	q, scale = make([]int8, len(w)), make([]float32, rows)
	for o := range rows {
		row := w[o*per : (o+1)*per]
		var m float64
		for _, v := range row {
			m = max(m, math.Abs(float64(v)))
		}
		scale[o] = float32(m / 127)
		if m == 0 || scale[o] == 0 {
			scale[o] = 1
		}
		for i, v := range row {
			r := math.Round(float64(v) / float64(scale[o]))
			q[o*per+i] = int8(min(max(r, -127), 127))
		}
	}
	return q, scale
}

// quantizeBias rounds a bias to the accumulator's scale, saturating.
func quantizeBias(b float32, scale float64) int32 {
	r := math.Round(float64(b) / scale)
	return int32(min(max(r, math.MinInt32), math.MaxInt32))
}

func quantizeConv(dst *Conv, src *model.Conv, in, out Params, name string) error {
	if src.Out != dst.Out || src.In != dst.In || src.K != dst.K || src.Stride != dst.Stride {
		return fmt.Errorf("quant: %s: float shape %dx%dx%d stride %d, expected %dx%dx%d stride %d",
			name, src.Out, src.In, src.K, src.Stride, dst.Out, dst.In, dst.K, dst.Stride)
	}
	dst.Input, dst.Output = in, out
	dst.Weight, dst.WScale = quantizeWeights(src.Weight, src.Out)
	dst.Bias = make([]int32, dst.Out)
	dst.Mult, dst.Shift = make([]int32, dst.Out), make([]int8, dst.Out)
	for o := range dst.Out {
		acc := float64(in.Scale) * float64(dst.WScale[o])
		dst.Bias[o] = quantizeBias(src.Bias[o], acc)
		// TFLite's effective scale: input x filter / output, in double
		// (kernels/kernel_util.cc, PopulateConvolutionQuantizationParams).
		mult, shift := quantizeMultiplier(acc / float64(out.Scale))
		if shift > maxShift {
			return fmt.Errorf("quant: %s channel %d: requantization multiplier %g is too large", name, o, acc/float64(out.Scale))
		}
		if shift < minShift {
			mult, shift = 0, 0
		}
		dst.Mult[o], dst.Shift[o] = mult, int8(shift)
	}
	return nil
}

// quantizeAdd sets TFLite's ADD parameters (kernels/add.cc, PrepareInt8AddSub):
// both inputs are rescaled to twice the larger input scale over 2^20, and the
// sum from there to the output scale; every multiplier is below one.
func quantizeAdd(a *Add, in1, in2, out Params) error {
	a.A, a.B, a.Output = in1, in2, out
	twiceMax := 2 * max(float64(in1.Scale), float64(in2.Scale))
	reals := []float64{
		float64(in1.Scale) / twiceMax,
		float64(in2.Scale) / twiceMax,
		twiceMax / (float64(int64(1)<<addLeftShift) * float64(out.Scale)),
	}
	var mults [3]int32
	var shifts [3]int8
	for i, r := range reals {
		if !(r < 1) {
			return fmt.Errorf("quant: add rescale %g is not below 1 (output range too narrow for its inputs)", r)
		}
		mult, shift := quantizeMultiplier(r)
		if shift < minShift {
			mult, shift = 0, 0
		}
		mults[i], shifts[i] = mult, int8(shift)
	}
	a.MultA, a.MultB, a.MultOut = mults[0], mults[1], mults[2]
	a.ShiftA, a.ShiftB, a.ShiftOut = shifts[0], shifts[1], shifts[2]
	return nil
}

func quantizeDense(dst *Dense, src *model.Dense, in Params) {
	dst.Input = in
	dst.Weight, dst.WScale = quantizeWeights(src.Weight, src.Out)
	dst.Bias = make([]int32, src.Out)
	for o := range dst.Bias {
		dst.Bias[o] = quantizeBias(src.Bias[o], float64(in.Scale)*float64(dst.WScale[o]))
	}
}
