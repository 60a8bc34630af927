package quant

import (
	"fmt"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/quant/internal/kernel"
)

// Model is a CIFAR ResNet in integer arithmetic (see the package comment for
// the scheme). It is read-only once built, so Runners share it.
type Model struct {
	Name     string
	Labels   []string   // class names in output order; may be empty
	Norm     model.Norm // input normalisation, applied before quantizing the input
	Depth    int
	Classes  int
	Shortcut model.Shortcut
	Padding  model.Padding
	Input    Params // the normalised input image
	Stem     Conv
	Stages   [3][]Block
	FC       Dense

	taps []model.TapInfo
	// normMean and normInvStd expand Norm to InputLen values.
	normMean, normStd []float64
}

// Conv is a quantized convolution with its requantization.
type Conv struct {
	Out, In, K, Stride int
	Padding            model.Padding
	// Weight is Out x In x K x K (OIHW, as model.Conv), -127..127; the real
	// weight is WScale[o] * Weight.
	Weight []int8
	WScale []float32
	// Bias has scale Input.Scale * WScale[o].
	Bias          []int32
	Input, Output Params
	// Mult and Shift requantize output channel o: out = Output.Zero +
	// MultiplyByQuantizedMultiplier(acc, Mult[o], Shift[o]).
	Mult  []int32
	Shift []int8
	// ReLU clamps the output at Output.Zero (real zero).
	ReLU bool

	packed *kernel.Weights // Weight as (ky, kx, in)-ordered rows for the GEMM
	zpBias []int32         // Bias - Input.Zero * sum of the row: the GEMM sees raw bytes
	rq     *kernel.Requant // zpBias, Mult, Shift, Output.Zero and the ReLU clamp, for GemmRequant

	// Stride-1 convolutions whose patch rows (K*In bytes) the kernel cannot
	// read in place, the 3-channel stem, read a copy of the image widened
	// to inPad channels instead: packedPad holds the rows for it, zero
	// weights on the extra channels. inPad is 0 where unused.
	packedPad *kernel.Weights
	inPad     int
}

// Add is TFLite's quantized ADD of a block's second convolution (A) and its
// shortcut (B), with the block's ReLU fused.
type Add struct {
	A, B, Output   Params
	MultA, MultB   int32
	ShiftA, ShiftB int8
	MultOut        int32
	ShiftOut       int8
	ReLU           bool

	fast *kernel.Add // the fast path
}

// addLeftShift is TFLite's left_shift for 8-bit ADD (kernels/add.cc): inputs
// are shifted up 20 bits so the per-input rescaling keeps their precision.
const addLeftShift = kernel.AddLeftShift

// Block is a quantized residual block.
type Block struct {
	Conv1, Conv2 Conv
	// Shortcut is the projection of shortcut kind B where the shape changes;
	// nil for identity and for kind A.
	Shortcut *Conv
	Add      Add
}

// Dense is the final layer: int8 weights per class, int32 accumulation, float
// logits.
type Dense struct {
	In, Out int
	Weight  []int8 // Out x In
	WScale  []float32
	Bias    []int32 // scale Input.Scale * WScale[o]
	Input   Params

	packed *kernel.Weights
	zpBias []int32
	scale  []float32 // Input.Scale * WScale[o]: logit = scale * acc
}

func (m *Model) String() string {
	return fmt.Sprintf("int8 ResNet%d (%d classes, shortcut %v, %v padding)", m.Depth, m.Classes, m.Shortcut, m.Padding)
}

// Taps lists every readable layer in forward order, as model.Net.Taps.
func (m *Model) Taps() []model.TapInfo { return m.taps }

// Tap looks a tap up by name.
func (m *Model) Tap(name string) (model.TapInfo, error) {
	for _, t := range m.taps {
		if t.Name == name {
			return t, nil
		}
	}
	return model.TapInfo{}, fmt.Errorf("quant: %v has no tap %q (names look like conv1, layer3.0, layer3.0.relu, pool, fc)", m, name)
}

func blockName(s, b int) string { return fmt.Sprintf("layer%d.%d", s+1, b) }

// skeleton is the architecture of a ResNet of the given depth: every
// convolution's shape, without values. Quantize fills it from a model.Net,
// Read from a file, so both agree on what a depth and shortcut kind mean.
func skeleton(depth, classes int, sc model.Shortcut, pad model.Padding) (*Model, error) {
	if depth < 8 || (depth-2)%6 != 0 || depth > maxDepth {
		return nil, fmt.Errorf("quant: depth %d, want 6k+2 between 8 and %d", depth, maxDepth)
	}
	if classes < 1 || classes > maxClasses {
		return nil, fmt.Errorf("quant: %d classes, want 1 to %d", classes, maxClasses)
	}
	if sc != model.ShortcutA && sc != model.ShortcutB {
		return nil, fmt.Errorf("quant: unknown shortcut kind %d", int(sc))
	}
	if pad != model.PadSymmetric && pad != model.PadKerasSame {
		return nil, fmt.Errorf("quant: unknown padding %d", int(pad))
	}
	m := &Model{Depth: depth, Classes: classes, Shortcut: sc, Padding: pad}
	shell := func(out, in, k, stride int) Conv {
		return Conv{Out: out, In: in, K: k, Stride: stride, Padding: pad}
	}
	m.Stem = shell(model.Widths[0], model.InputChannels, 3, 1)
	m.Stem.ReLU = true
	in := model.Widths[0]
	for s := range m.Stages {
		m.Stages[s] = make([]Block, (depth-2)/6)
		for b := range m.Stages[s] {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			out := model.Widths[s]
			blk := &m.Stages[s][b]
			blk.Conv1 = shell(out, in, 3, stride)
			blk.Conv1.ReLU = true
			blk.Conv2 = shell(out, out, 3, 1)
			if sc == model.ShortcutB && (stride != 1 || in != out) {
				p := shell(out, in, 1, stride)
				blk.Shortcut = &p
			}
			blk.Add.ReLU = true
			in = out
		}
	}
	m.FC = Dense{In: model.Widths[2], Out: classes}
	m.listTaps()
	return m, nil
}

// Limits a file may not exceed: far beyond any CIFAR ResNet, small enough
// that a corrupt header cannot make Read allocate gigabytes.
const (
	maxDepth   = 1202 // the deepest CIFAR ResNet of He et al. 2016
	maxClasses = 100000
)

func (m *Model) listTaps() {
	size := model.InputSize
	m.taps = append(m.taps[:0], model.TapInfo{Name: "conv1", C: model.Widths[0], H: size, W: size})
	for s := range m.Stages {
		for b := range m.Stages[s] {
			size, _ = m.Stages[s][b].Conv1.outSize(size, size)
			p := blockName(s, b)
			m.taps = append(m.taps, model.TapInfo{Name: p + ".relu", C: model.Widths[s], H: size, W: size},
				model.TapInfo{Name: p, C: model.Widths[s], H: size, W: size})
		}
	}
	m.taps = append(m.taps, model.TapInfo{Name: "pool", C: model.Widths[2], H: 1, W: 1},
		model.TapInfo{Name: "fc", C: m.Classes, H: 1, W: 1})
}

// geometry borrows model.Conv's padding rules, so both engines pad alike.
func (c *Conv) geometry() *model.Conv {
	return &model.Conv{Out: c.Out, In: c.In, K: c.K, Stride: c.Stride, Padding: c.Padding}
}

func (c *Conv) outSize(h, w int) (int, int) { return c.geometry().OutSize(h, w) }

// prepare checks every value against the architecture and derives what the
// fast path needs (packed weights, zero-point-corrected biases, expanded
// normalisation). Quantize and Read both end here.
func (m *Model) prepare() error {
	if err := validNorm(m.Norm); err != nil {
		return err
	}
	if len(m.Labels) != 0 && len(m.Labels) != m.Classes {
		return fmt.Errorf("quant: %d labels for %d classes", len(m.Labels), m.Classes)
	}
	if err := m.Input.valid(); err != nil {
		return fmt.Errorf("quant: input: %w", err)
	}
	if err := m.Stem.prepare("conv1"); err != nil {
		return err
	}
	if m.Stem.Input != m.Input {
		return fmt.Errorf("quant: conv1 input parameters %v differ from the image's %v", m.Stem.Input, m.Input)
	}
	x := m.Stem.Output
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := blockName(s, b)
			if err := blk.Conv1.prepare(p + ".conv1"); err != nil {
				return err
			}
			if err := blk.Conv2.prepare(p + ".conv2"); err != nil {
				return err
			}
			res := x
			if blk.Shortcut != nil {
				if err := blk.Shortcut.prepare(p + ".shortcut"); err != nil {
					return err
				}
				if blk.Shortcut.Input != x {
					return fmt.Errorf("quant: %s.shortcut does not take the block's input", p)
				}
				res = blk.Shortcut.Output
			}
			if blk.Conv1.Input != x || blk.Conv2.Input != blk.Conv1.Output || blk.Add.A != blk.Conv2.Output || blk.Add.B != res {
				return fmt.Errorf("quant: %s: quantization parameters do not chain from one layer to the next", p)
			}
			if err := blk.Add.valid(); err != nil {
				return fmt.Errorf("quant: %s add: %w", p, err)
			}
			fast, err := blk.Add.fastAdd()
			if err != nil {
				return fmt.Errorf("quant: %s add: %w", p, err)
			}
			blk.Add.fast = fast
			x = blk.Add.Output
		}
	}
	if m.FC.Input != x {
		return fmt.Errorf("quant: fc input parameters %v differ from the pool's %v", m.FC.Input, x)
	}
	if err := m.FC.prepare(); err != nil {
		return err
	}
	m.normMean, m.normStd = make([]float64, model.InputLen), make([]float64, model.InputLen)
	plane := model.InputSize * model.InputSize
	for i := range m.normMean {
		j := i
		if len(m.Norm.Mean) == model.InputChannels {
			j = i / plane
		}
		m.normMean[i], m.normStd[i] = float64(m.Norm.Mean[j]), float64(m.Norm.Std[j])
	}
	return nil
}

func validNorm(n model.Norm) error {
	if len(n.Mean) != len(n.Std) || (len(n.Mean) != model.InputChannels && len(n.Mean) != model.InputLen) {
		return fmt.Errorf("quant: normalisation needs %d or %d means and stds, found %d and %d",
			model.InputChannels, model.InputLen, len(n.Mean), len(n.Std))
	}
	for i := range n.Std {
		if !(n.Std[i] > 0) || !finite32(n.Std[i]) || !finite32(n.Mean[i]) {
			return fmt.Errorf("quant: normalisation mean %v std %v at %d", n.Mean[i], n.Std[i], i)
		}
	}
	return nil
}

func finite32(v float32) bool { return v-v == 0 }

// Shift bounds: RoundingDivideByPOT takes exponents 0..31, and a left shift
// past 30 would mean a multiplier above 2^30, which no real layer has.
const minShift, maxShift = -31, 30

func validMult(mult int32, shift int8) bool {
	return (mult == 0 || mult >= 1<<30) && shift >= minShift && shift <= maxShift
}

func (c *Conv) prepare(name string) error {
	per := c.In * c.K * c.K
	if len(c.Weight) != c.Out*per || len(c.WScale) != c.Out || len(c.Bias) != c.Out || len(c.Mult) != c.Out || len(c.Shift) != c.Out {
		return fmt.Errorf("quant: %s: %d weights, %d scales, %d biases, %d multipliers, %d shifts for %d x %d x %d x %d",
			name, len(c.Weight), len(c.WScale), len(c.Bias), len(c.Mult), len(c.Shift), c.Out, c.In, c.K, c.K)
	}
	if err := c.Input.valid(); err != nil {
		return fmt.Errorf("quant: %s input: %w", name, err)
	}
	if err := c.Output.valid(); err != nil {
		return fmt.Errorf("quant: %s output: %w", name, err)
	}
	for o := range c.Out {
		if !validMult(c.Mult[o], c.Shift[o]) {
			return fmt.Errorf("quant: %s channel %d: multiplier %d shift %d out of range", name, o, c.Mult[o], c.Shift[o])
		}
		if !(c.WScale[o] > 0) || !finite32(c.WScale[o]) {
			return fmt.Errorf("quant: %s channel %d: weight scale %v", name, o, c.WScale[o])
		}
	}
	// Repack OIHW to rows ordered (ky, kx, in): the order of an HWC patch.
	rows := make([]int8, len(c.Weight))
	c.zpBias = make([]int32, c.Out)
	for o := range c.Out {
		var sum int64
		for i := range c.In {
			for ky := range c.K {
				for kx := range c.K {
					v := c.Weight[((o*c.In+i)*c.K+ky)*c.K+kx]
					if v == -128 {
						return fmt.Errorf("quant: %s: weight -128; symmetric weights are -127..127", name)
					}
					rows[o*per+(ky*c.K+kx)*c.In+i] = v
					sum += int64(v)
				}
			}
		}
		zb := int64(c.Bias[o]) - int64(c.Input.Zero)*sum
		if zb != int64(int32(zb)) {
			return fmt.Errorf("quant: %s channel %d: bias %d overflows with the zero point", name, o, c.Bias[o])
		}
		c.zpBias[o] = int32(zb)
	}
	var err error
	if c.packed, err = kernel.PackWeights(c.Out, per, rows); err != nil {
		return fmt.Errorf("quant: %s: %w", name, err)
	}
	if in4 := (c.In + 3) &^ 3; c.Stride == 1 && c.K > 1 && !c.packed.InPlace(c.K*c.In) {
		wide := make([]int8, c.Out*c.K*c.K*in4)
		for o := range c.Out {
			for t := range c.K * c.K {
				copy(wide[(o*c.K*c.K+t)*in4:][:c.In], rows[o*per+t*c.In:][:c.In])
			}
		}
		if pw, err := kernel.PackWeights(c.Out, c.K*c.K*in4, wide); err != nil {
			return fmt.Errorf("quant: %s: %w", name, err)
		} else if pw.InPlace(c.K * in4) {
			c.packedPad, c.inPad = pw, in4
		}
	}
	lo := uint8(0)
	if c.ReLU {
		lo = c.Output.Zero
	}
	if c.rq, err = kernel.NewRequant(c.Out, c.zpBias, c.Mult, c.Shift, c.Output.Zero, lo); err != nil {
		return fmt.Errorf("quant: %s: %w", name, err)
	}
	return nil
}

func (a *Add) valid() error {
	for _, p := range []Params{a.A, a.B, a.Output} {
		if err := p.valid(); err != nil {
			return err
		}
	}
	if !validMult(a.MultA, a.ShiftA) || !validMult(a.MultB, a.ShiftB) || !validMult(a.MultOut, a.ShiftOut) ||
		a.ShiftA > 0 || a.ShiftB > 0 || a.ShiftOut > 0 {
		return fmt.Errorf("multipliers %d<<%d, %d<<%d, %d<<%d out of range (all below 1)",
			a.MultA, a.ShiftA, a.MultB, a.ShiftB, a.MultOut, a.ShiftOut)
	}
	return nil
}

func (d *Dense) prepare() error {
	if len(d.Weight) != d.Out*d.In || len(d.WScale) != d.Out || len(d.Bias) != d.Out {
		return fmt.Errorf("quant: fc: %d weights, %d scales, %d biases for %d x %d", len(d.Weight), len(d.WScale), len(d.Bias), d.Out, d.In)
	}
	d.zpBias = make([]int32, d.Out)
	d.scale = make([]float32, d.Out)
	for o := range d.Out {
		if !(d.WScale[o] > 0) || !finite32(d.WScale[o]) {
			return fmt.Errorf("quant: fc class %d: weight scale %v", o, d.WScale[o])
		}
		var sum int64
		for _, v := range d.Weight[o*d.In : (o+1)*d.In] {
			if v == -128 {
				return fmt.Errorf("quant: fc: weight -128; symmetric weights are -127..127")
			}
			sum += int64(v)
		}
		d.zpBias[o] = int32(int64(d.Bias[o]) - int64(d.Input.Zero)*sum)
		if int64(d.zpBias[o]) != int64(d.Bias[o])-int64(d.Input.Zero)*sum {
			return fmt.Errorf("quant: fc class %d: bias %d overflows with the zero point", o, d.Bias[o])
		}
		d.scale[o] = float32(float64(d.Input.Scale) * float64(d.WScale[o]))
	}
	var err error
	if d.packed, err = kernel.PackWeights(d.Out, d.In, d.Weight); err != nil {
		return fmt.Errorf("quant: fc: %w", err)
	}
	return nil
}
