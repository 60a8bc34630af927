package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgecache/edgecache/model"
)

// DefaultSpec is the spec of the ace-compiler ResNets and of akamaster-style
// exports: symmetric padding and per-channel normalisation with the ImageNet
// mean and std, which the ONNX file does not hold (it starts at the
// normalised tensor). Load names the classes when there are 10 (CIFAR-10).
var DefaultSpec = model.Spec{
	Padding: model.PadSymmetric,
	Norm:    model.ImageNetNorm(),
}

// Decode reads an ONNX model and returns its weights under model's canonical
// names (see the model package comment), batch norm folded into the
// convolutions. The architecture is recognised from the graph; model.Build
// then infers depth, classes and shortcut kind from the tensors.
func Decode(data []byte) (model.Weights, error) {
	m, err := decodeModel(data)
	if err != nil {
		return nil, err
	}
	// "All ModelProtos MUST have at least one entry that specifies which
	// version of the ONNX OperatorSet is being imported" (onnx.proto,
	// ModelProto.opset_import); ops changed meaning before opset 7.
	opset := int64(0)
	for _, o := range m.opsets {
		if o.domain == "" || o.domain == "ai.onnx" {
			opset = o.version
		}
	}
	if opset == 0 {
		return nil, fmt.Errorf("onnx: model imports no version of the standard operator set (opset_import)")
	}
	if opset < 7 {
		return nil, fmt.Errorf("onnx: opset %d is older than 7, which this importer does not read", opset)
	}
	g, err := newGraph(m.graph)
	if err != nil {
		return nil, err
	}
	net, err := g.walk()
	if err != nil {
		return nil, err
	}
	return net.weights()
}

// Load reads an ONNX file and builds the network. The file fixes the padding
// (symmetric); spec gives the rest. When spec has no labels and the network
// has 10 classes, the CIFAR-10 names are used; when it has no name, the
// file's base name is.
func Load(path string, spec model.Spec) (*model.Net, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	w, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if spec.Padding != model.PadSymmetric {
		return nil, fmt.Errorf("onnx: %s: spec asks for %v padding, but ONNX convolutions pad symmetrically", path, spec.Padding)
	}
	if spec.Name == "" {
		spec.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if spec.Labels == nil && len(w["fc.weight"].Shape) == 2 && w["fc.weight"].Shape[0] == len(model.CIFAR10Labels) {
		spec.Labels = model.CIFAR10Labels
	}
	n, err := model.Build(spec, w)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return n, nil
}

// weights names what the walk found: blocks split evenly into three stages,
// strides checked against where a CIFAR ResNet downsamples (the first block of
// stages 2 and 3), since model.Build cannot see strides in the tensors.
func (r *resnet) weights() (model.Weights, error) {
	nb := len(r.blocks)
	if nb == 0 || nb%3 != 0 {
		return nil, fmt.Errorf("onnx: found %d residual blocks; a CIFAR ResNet has three stages of equal length", nb)
	}
	per := nb / 3
	depth := 6*per + 2
	w := model.Weights{}
	put := func(name string, c *conv, k, stride int) error {
		if c.k != k || c.stride != stride {
			return nodeErr(c.node, "%dx%d stride %d, but %s of a ResNet%d is %dx%d stride %d", c.k, c.k, c.stride, name, depth, k, k, stride)
		}
		w[name+".weight"] = model.Tensor{Shape: c.dims, Data: c.weight}
		if c.bias != nil {
			w[name+".bias"] = model.Tensor{Shape: []int{c.out}, Data: c.bias}
		}
		return nil
	}
	if err := put("conv1", &r.stem, 3, 1); err != nil {
		return nil, err
	}
	kind := ""
	for i := range r.blocks {
		b := &r.blocks[i]
		s, j := i/per, i%per
		name := fmt.Sprintf("layer%d.%d", s+1, j)
		stride := 1
		if s > 0 && j == 0 {
			stride = 2
		}
		if err := put(name+".conv1", &b.conv1, 3, stride); err != nil {
			return nil, err
		}
		if err := put(name+".conv2", &b.conv2, 3, 1); err != nil {
			return nil, err
		}
		k := ""
		switch {
		case b.proj != nil:
			k = "B (1x1 projection)"
			if err := put(name+".shortcut", b.proj, 1, stride); err != nil {
				return nil, err
			}
		case b.optionA:
			k = "A (subsample and pad)"
		}
		if k == "" {
			continue
		}
		if stride == 1 && b.conv1.out == b.conv1.dims[1] {
			return nil, nodeErr(b.conv1.node, "block %s keeps its shape but has a shortcut of kind %s; the model has identity shortcuts there", name, k)
		}
		if kind != "" && kind != k {
			return nil, nodeErr(b.conv1.node, "block %s has a shortcut of kind %s, an earlier one of kind %s; the model needs one kind", name, k, kind)
		}
		kind = k
	}
	w["fc.weight"] = model.Tensor{Shape: []int{r.classes, len(r.fcWeight) / max(r.classes, 1)}, Data: r.fcWeight}
	if r.fcBias != nil {
		w["fc.bias"] = model.Tensor{Shape: []int{r.classes}, Data: r.fcBias}
	}
	return w, nil
}
