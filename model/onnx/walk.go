package onnx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgecache/edgecache/model"
)

// The walk follows the image from the graph input to the logits and matches
// what it meets to the layers of a CIFAR ResNet: stem conv and ReLU, residual
// blocks, pooling, flattening and the fully connected layer. It identifies
// tensors by where they are used, never by their names.

type shape struct{ c, h, w int }

func (s shape) String() string { return fmt.Sprintf("[%d %d %d]", s.c, s.h, s.w) }

// conv is one convolution with any batch norm after it folded in.
type conv struct {
	node   *nodeProto
	out, k int
	stride int
	weight []float32 // out x in x k x k
	dims   []int
	bias   []float32 // nil when the file has neither bias nor batch norm
}

type block struct {
	conv1, conv2 conv
	proj         *conv // projection shortcut (kind B)
	optionA      bool  // subsampling and zero-padding shortcut (kind A)
}

// resnet is what the walk found, before canonical names are given.
type resnet struct {
	stem     conv
	blocks   []block
	fcWeight []float32 // classes x 64
	fcBias   []float32
	classes  int
	fcNode   *nodeProto
}

type walker struct {
	g   *graph
	net resnet
}

// take marks a node as matched; a node met twice means the graph loops back.
func (w *walker) take(nd *nodeProto) error {
	if w.g.used[nd] {
		return nodeErr(nd, "reached twice while walking the network")
	}
	w.g.used[nd] = true
	return nil
}

// next returns the single node consuming v, which must be one of ops.
func (w *walker) next(v string, ops ...string) (*nodeProto, error) {
	cs := w.g.consumers[v]
	want := strings.Join(ops, " or ")
	switch len(cs) {
	case 0:
		return nil, fmt.Errorf("onnx: value %q is not used by any node; want %s next", v, want)
	case 1:
	default:
		return nil, fmt.Errorf("onnx: value %q feeds %d nodes (%s); want only %s", v, len(cs), describe(cs), want)
	}
	nd := cs[0]
	if !slices.Contains(ops, nd.opType) {
		return nil, nodeErr(nd, "unexpected after value %q (want %s)", v, want)
	}
	if len(nd.inputs) == 0 || nd.inputs[0] != v {
		return nil, nodeErr(nd, "takes value %q as a parameter, want it as the data input", v)
	}
	return nd, nil
}

func describe(nodes []*nodeProto) string {
	s := make([]string, len(nodes))
	for k, nd := range nodes {
		s[k] = nd.label() + " " + nd.opType
	}
	return strings.Join(s, ", ")
}

func output(nd *nodeProto) (string, error) {
	if len(nd.outputs) == 0 || nd.outputs[0] == "" {
		return "", nodeErr(nd, "has no output")
	}
	return nd.outputs[0], nil
}

// floatConst returns input k of nd, which must be a float constant.
func (w *walker) floatConst(nd *nodeProto, k int, what string) (*tensor, error) {
	if k >= len(nd.inputs) || nd.inputs[k] == "" {
		return nil, nodeErr(nd, "missing input %d (%s)", k, what)
	}
	t, ok := w.g.consts[nd.inputs[k]]
	if !ok {
		return nil, nodeErr(nd, "%s %q is not a constant (an initializer or Constant node)", what, nd.inputs[k])
	}
	if t.isInt {
		return nil, nodeErr(nd, "%s %q holds integers, want floats", what, t.name)
	}
	return t, nil
}

// intConst returns input k of nd as integers, or nil when the input is omitted.
func (w *walker) intConst(nd *nodeProto, k int, what string) ([]int64, error) {
	if k >= len(nd.inputs) || nd.inputs[k] == "" {
		return nil, nil
	}
	t, ok := w.g.consts[nd.inputs[k]]
	if !ok {
		return nil, nodeErr(nd, "%s %q is not a constant", what, nd.inputs[k])
	}
	v, err := t.ints()
	if err != nil {
		return nil, nodeErr(nd, "%s: %v", what, err)
	}
	return v, nil
}

func shapeErr(nd *nodeProto, name string, want, got []int) error {
	return nodeErr(nd, "%w", &model.ShapeError{Name: name, Want: want, Got: got})
}

// walk matches the whole graph; every node computing on the image must be
// part of the network.
func (g *graph) walk() (*resnet, error) {
	w := &walker{g: g}
	cur, sh := g.input, shape{model.InputChannels, model.InputSize, model.InputSize}
	nd, err := w.next(cur, "Conv")
	if err != nil {
		return nil, err
	}
	if w.net.stem, cur, sh, err = w.conv(nd, sh); err != nil {
		return nil, err
	}
	if cur, err = w.relu(cur); err != nil {
		return nil, err
	}
	for {
		cs := g.consumers[cur]
		if len(cs) == 1 && (cs[0].opType == "GlobalAveragePool" || cs[0].opType == "AveragePool" || cs[0].opType == "ReduceMean") {
			break
		}
		var b block
		if b, cur, sh, err = w.block(cur, sh); err != nil {
			return nil, err
		}
		w.net.blocks = append(w.net.blocks, b)
	}
	if err := w.tail(cur, sh); err != nil {
		return nil, err
	}
	for _, nd := range g.nodes {
		if !g.used[nd] {
			return nil, nodeErr(nd, "is not on the path from the input to the logits")
		}
	}
	return &w.net, nil
}

func (w *walker) relu(v string) (string, error) {
	nd, err := w.next(v, "Relu")
	if err != nil {
		return "", err
	}
	if err := w.take(nd); err != nil {
		return "", err
	}
	return output(nd)
}
