package quant

import (
	"encoding/json"
	"fmt"
)

// RangesFormat names the JSON layout Ranges writes (tools/ort/qdq.py reads it).
const RangesFormat = "edgecache-quant-ranges/1"

// Range is one quantized activation tensor as Ranges reports it.
type Range struct {
	// Name is the tensor: "input", a tap name (conv1, layerS.B.relu,
	// layerS.B), or a block's "layerS.B.conv2" (second convolution, before
	// the add) or "layerS.B.shortcut" (projection shortcut).
	Name string `json:"name"`
	// Kind says which operation makes it: "input", "conv_relu", "conv"
	// (no activation) or "add_relu" (residual add then ReLU).
	Kind  string  `json:"kind"`
	Scale float32 `json:"scale"`
	Zero  uint8   `json:"zero_point"`
	// Min and Max are the reals bytes 0 and 255 stand for.
	Min float32 `json:"min"`
	Max float32 `json:"max"`
}

// Ranges returns the activation quantization of every tensor in forward
// order as JSON ({"format", "model", "depth", "shortcut", "tensors"}), so that
// another runtime (ONNX Runtime through tools/ort/qdq.py) can quantize the
// same float network with the same calibration. Weights are not included:
// they are quantized per output channel, symmetric, from the float weights
// alone (scale = max |w| / 127), which any runtime can redo.
func (m *Model) Ranges() ([]byte, error) {
	var ts []Range
	add := func(name, kind string, p Params) {
		ts = append(ts, Range{Name: name, Kind: kind, Scale: p.Scale, Zero: p.Zero, Min: p.Real(0), Max: p.Real(255)})
	}
	add("input", "input", m.Input)
	add("conv1", "conv_relu", m.Stem.Output)
	for s := range m.Stages {
		for b := range m.Stages[s] {
			blk := &m.Stages[s][b]
			p := blockName(s, b)
			add(p+".relu", "conv_relu", blk.Conv1.Output)
			add(p+".conv2", "conv", blk.Conv2.Output)
			if blk.Shortcut != nil {
				add(p+".shortcut", "conv", blk.Shortcut.Output)
			}
			add(p, "add_relu", blk.Add.Output)
		}
	}
	b, err := json.MarshalIndent(struct {
		Format   string  `json:"format"`
		Model    string  `json:"model"`
		Depth    int     `json:"depth"`
		Shortcut string  `json:"shortcut"`
		Tensors  []Range `json:"tensors"`
	}{RangesFormat, m.Name, m.Depth, m.Shortcut.String(), ts}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("quant: ranges: %w", err)
	}
	return b, nil
}
