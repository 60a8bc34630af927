package model

import "fmt"

// Input geometry: every network here takes 32x32 RGB images (CIFAR).
const (
	InputChannels = 3
	InputSize     = 32
	InputLen      = InputChannels * InputSize * InputSize
)

// Padding says how a 3x3 convolution pads its input.
type Padding int

const (
	// PadSymmetric pads k/2 on every side (PyTorch, ONNX).
	PadSymmetric Padding = iota
	// PadKerasSame pads so that out = ceil(in/stride), putting the odd pixel at
	// the bottom and right: a stride-2 3x3 convolution on 32x32 pads only there.
	PadKerasSame
)

func (p Padding) String() string {
	switch p {
	case PadSymmetric:
		return "symmetric"
	case PadKerasSame:
		return "keras-same"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// Shortcut is the kind of residual connection used where a block changes shape.
type Shortcut int

const (
	// ShortcutA subsamples with stride 2 and zero-pads the new channels evenly
	// on both sides (He et al. 2016, option A; akamaster's LambdaLayer).
	ShortcutA Shortcut = iota + 1
	// ShortcutB projects with a strided 1x1 convolution (option B; Keras).
	ShortcutB
)

func (s Shortcut) String() string {
	switch s {
	case ShortcutA:
		return "A"
	case ShortcutB:
		return "B"
	}
	return fmt.Sprintf("Shortcut(%d)", int(s))
}

// Norm is the input normalisation, applied to pixels scaled to [0, 1]:
// x' = (x - Mean) / Std. Mean and Std hold either 3 values (per channel) or
// InputLen values (per pixel, CHW order).
type Norm struct {
	Mean, Std []float32
}

// Spec is what a file does not say about a network and the importer must:
// padding, input normalisation, the batch-norm epsilon and a display name.
type Spec struct {
	Name    string
	Padding Padding
	Norm    Norm
	// BNEps is the batch-norm epsilon; 0 means 1e-5 (PyTorch's default).
	BNEps float64
	// Labels optionally names the classes, in output order.
	Labels []string
}

func (n Norm) validate() error {
	if len(n.Mean) != len(n.Std) || (len(n.Mean) != InputChannels && len(n.Mean) != InputLen) {
		return fmt.Errorf("model: normalisation needs %d (per channel) or %d (per pixel) means and stds, found %d and %d",
			InputChannels, InputLen, len(n.Mean), len(n.Std))
	}
	for i, s := range n.Std {
		if !(s > 0) {
			return fmt.Errorf("model: normalisation std[%d] = %v, must be positive", i, s)
		}
	}
	return nil
}

// Conv is a 2-D convolution with batch norm folded into Weight and Bias.
type Conv struct {
	Out, In, K, Stride int
	Padding            Padding
	Weight             []float32 // Out x In x K x K
	Bias               []float32 // Out

	// packed is Weight and Bias in the fast kernels' layout, made by Build
	// (nil for a Conv made by hand: the convolver then packs its own).
	// Changing Weight after Build does not change it.
	packed *convPacked
}

// OutSize is the spatial size of the output for an h x w input.
func (c *Conv) OutSize(h, w int) (oh, ow int) {
	t, l, b, r := c.Pads(h, w)
	return (h+t+b-c.K)/c.Stride + 1, (w+l+r-c.K)/c.Stride + 1
}

// Pads returns the zero padding on each side for an h x w input.
func (c *Conv) Pads(h, w int) (top, left, bottom, right int) {
	if c.Padding == PadSymmetric {
		p := c.K / 2
		return p, p, p, p
	}
	// Keras/TensorFlow "same": out = ceil(in/stride); the extra pixel goes last.
	same := func(in int) (int, int) {
		out := (in + c.Stride - 1) / c.Stride
		total := max((out-1)*c.Stride+c.K-in, 0)
		return total / 2, total - total/2
	}
	top, bottom = same(h)
	left, right = same(w)
	return
}

// Block is a basic residual block: conv-bn-relu, conv-bn, add shortcut, relu.
type Block struct {
	Conv1, Conv2 Conv
	// Shortcut is the projection of a shape-changing block with shortcut kind B;
	// nil for identity shortcuts and for kind A.
	Shortcut *Conv
}

// Dense is the fully connected output layer.
type Dense struct {
	In, Out int
	Weight  []float32 // Out x In
	Bias    []float32 // Out
}

// Net is a CIFAR ResNet with folded batch norm, ready to run.
type Net struct {
	Spec     Spec
	Depth    int // 6*blocks + 2: 20, 32, 44, 56, ...
	Classes  int
	Shortcut Shortcut
	Stem     Conv
	Stages   [3][]Block
	FC       Dense

	// scale and offset implement Norm as x*scale + offset over InputLen values.
	scale, offset []float32
	taps          []TapInfo
	inner         []TapInfo // see Tap
}

// Widths are the channel counts of the three stages.
var Widths = [3]int{16, 32, 64}

func (n *Net) String() string {
	return fmt.Sprintf("ResNet%d (%d classes, shortcut %v, %v padding)", n.Depth, n.Classes, n.Shortcut, n.Spec.Padding)
}

// TapInfo names a layer whose activations can be read after a forward pass.
type TapInfo struct {
	Name    string
	C, H, W int
}

// Len is the number of values the tap holds per image.
func (t TapInfo) Len() int { return t.C * t.H * t.W }

// Taps lists every readable layer in forward order.
func (n *Net) Taps() []TapInfo { return n.taps }

// Tap looks a tap up by name. Besides Taps it knows two tensors per block
// that exist only inside the residual add: "layerS.B.conv2", the second
// convolution (with batch norm) before the add, and "layerS.B.shortcut", the
// projection shortcut (kind B, shape-changing blocks). Quantization calibrates
// their ranges; a runner keeping them computes that add unfused.
func (n *Net) Tap(name string) (TapInfo, error) {
	for _, list := range [][]TapInfo{n.taps, n.inner} {
		for _, t := range list {
			if t.Name == name {
				return t, nil
			}
		}
	}
	return TapInfo{}, fmt.Errorf("model: %v has no tap %q (blocks per stage: %d; names look like conv1, layer3.0, layer3.0.relu, pool, fc)",
		n, name, len(n.Stages[0]))
}

func (n *Net) listTaps() {
	size := InputSize
	n.taps = append(n.taps[:0], TapInfo{"conv1", Widths[0], size, size})
	n.inner = n.inner[:0]
	for s, stage := range n.Stages {
		for b := range stage {
			oh, _ := stage[b].Conv1.OutSize(size, size)
			size = oh
			name := fmt.Sprintf("layer%d.%d", s+1, b)
			n.taps = append(n.taps, TapInfo{name + ".relu", Widths[s], size, size}, TapInfo{name, Widths[s], size, size})
			n.inner = append(n.inner, TapInfo{name + ".conv2", Widths[s], size, size})
			if stage[b].Shortcut != nil {
				n.inner = append(n.inner, TapInfo{name + ".shortcut", Widths[s], size, size})
			}
		}
	}
	n.taps = append(n.taps, TapInfo{"pool", Widths[2], 1, 1}, TapInfo{"fc", n.Classes, 1, 1})
}
