package onnx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgecache/edgecache/model"
)

// structOps are the ops the network is made of: they take the image, or
// values computed from it, and the walk in walk.go matches them to layers.
var structOps = map[string]bool{
	"Conv": true, "BatchNormalization": true, "Relu": true, "Add": true, "Slice": true, "Pad": true,
	"GlobalAveragePool": true, "AveragePool": true, "ReduceMean": true, "Flatten": true, "Reshape": true,
	"Squeeze": true, "Gemm": true, "MatMul": true, "Identity": true,
}

// graph is a decoded GraphProto split in two: constants (initializers and
// folded constant subgraphs) and the nodes that compute on the image.
type graph struct {
	consts    map[string]*tensor
	acts      map[string]bool // values computed from the image, the input included
	alias     map[string]string
	consumers map[string][]*nodeProto
	nodes     []*nodeProto // the nodes computing on the image, in topological order
	used      map[*nodeProto]bool
	input     string
	outputs   []string
}

func (g *graph) resolve(name string) string {
	for range len(g.alias) + 1 {
		a, ok := g.alias[name]
		if !ok {
			break
		}
		name = a
	}
	return name
}

// newGraph checks the graph's wiring, sorts it topologically (the file order
// is not trusted) and folds its constant subgraphs.
func newGraph(gp *graphProto) (*graph, error) {
	g := &graph{consts: map[string]*tensor{}, acts: map[string]bool{}, alias: map[string]string{},
		consumers: map[string][]*nodeProto{}, used: map[*nodeProto]bool{}}
	for _, p := range gp.initializers {
		if p.name == "" {
			return nil, fmt.Errorf("onnx: graph has an initializer without a name")
		}
		if _, dup := g.consts[p.name]; dup {
			return nil, fmt.Errorf("onnx: initializer %q appears twice", p.name)
		}
		t, err := fromProto(p)
		if err != nil {
			return nil, err
		}
		g.consts[p.name] = t
	}
	if err := g.findInput(gp.inputs); err != nil {
		return nil, err
	}
	for _, nd := range gp.nodes {
		if nd.domain != "" && nd.domain != "ai.onnx" {
			return nil, nodeErr(nd, "operator domain %q not supported (only the standard ONNX operators are)", nd.domain)
		}
		if !constOps[nd.opType] && !structOps[nd.opType] {
			return nil, nodeErr(nd, "unsupported op")
		}
	}
	order, err := sortNodes(gp, g)
	if err != nil {
		return nil, err
	}
	budget := maxFolded
	for _, nd := range order {
		in := make([]*tensor, len(nd.inputs))
		constant, fromImage := true, ""
		for k, name := range nd.inputs {
			if name == "" {
				continue // an omitted optional input
			}
			name = g.resolve(name)
			nd.inputs[k] = name
			if t, ok := g.consts[name]; ok {
				in[k] = t
			} else {
				constant = false
				if g.acts[name] && fromImage == "" {
					fromImage = name
				}
			}
		}
		if constOps[nd.opType] && constant {
			if len(nd.outputs) != 1 || nd.outputs[0] == "" {
				return nil, nodeErr(nd, "has %d outputs, want 1", len(nd.outputs))
			}
			t, err := evalConst(nd, in, &budget)
			if err != nil {
				return nil, err
			}
			t.name = nd.outputs[0]
			g.consts[nd.outputs[0]] = t
			continue
		}
		if nd.opType == "Shape" && len(nd.inputs) == 1 && g.acts[nd.inputs[0]] && len(nd.outputs) == 1 {
			t, err := imageShape(nd)
			if err != nil {
				return nil, err
			}
			t.name = nd.outputs[0]
			g.consts[t.name] = t
			continue
		}
		if !structOps[nd.opType] {
			hint := ""
			switch nd.opType {
			case "Concat":
				hint = " (an option-A shortcut built with torch.cat is not supported: export it with F.pad)"
			}
			return nil, nodeErr(nd, "supported only on constant inputs, but input %q is computed from the image%s", fromImage, hint)
		}
		if (nd.opType == "Identity" || isZeroPad(nd, in)) && len(nd.inputs) > 0 && g.acts[nd.inputs[0]] && len(nd.outputs) == 1 {
			g.alias[nd.outputs[0]] = nd.inputs[0]
			g.used[nd] = true
			continue
		}
		g.nodes = append(g.nodes, nd)
		for _, out := range nd.outputs {
			if out != "" {
				g.acts[out] = true
			}
		}
		for k, name := range nd.inputs {
			if name != "" && in[k] == nil && g.acts[name] {
				g.consumers[name] = append(g.consumers[name], nd)
			}
		}
	}
	for _, o := range gp.outputs {
		g.outputs = append(g.outputs, g.resolve(o.name))
	}
	return g, nil
}

// findInput picks the image input: the one graph input that is not an
// initializer (files before IR version 4 list initializers as inputs too).
func (g *graph) findInput(inputs []valueInfo) error {
	var names []string
	var vi valueInfo
	for _, in := range inputs {
		if _, ok := g.consts[in.name]; !ok {
			names = append(names, in.name)
			vi = in
		}
	}
	if len(names) != 1 {
		return fmt.Errorf("onnx: graph has %d inputs that are not initializers (%s); want one, the image", len(names), strings.Join(names, ", "))
	}
	if vi.elemType != 0 && vi.elemType != typeFloat {
		return fmt.Errorf("onnx: input %q is %s, want FLOAT", vi.name, dataTypeName(vi.elemType))
	}
	if vi.hasShape {
		want := []int64{-1, model.InputChannels, model.InputSize, model.InputSize}
		ok := len(vi.dims) == len(want)
		for k := 0; ok && k < len(want); k++ {
			ok = want[k] < 0 || !vi.dims[k].hasValue || vi.dims[k].value == want[k]
		}
		if !ok {
			got := make([]string, len(vi.dims))
			for k, d := range vi.dims {
				got[k] = d.param
				if d.hasValue {
					got[k] = fmt.Sprint(d.value)
				}
			}
			return fmt.Errorf("onnx: input %q has shape [%s], want [N 3 32 32]", vi.name, strings.Join(got, " "))
		}
	}
	g.input = vi.name
	g.acts[vi.name] = true
	return nil
}

// sortNodes orders the nodes so that each comes after the producers of its
// inputs (Kahn's algorithm, first in first out), checking
// that every input exists and no value is produced twice.
func sortNodes(gp *graphProto, g *graph) ([]*nodeProto, error) {
	producer := map[string]int{}
	for k, nd := range gp.nodes {
		for _, out := range nd.outputs {
			if out == "" {
				continue
			}
			if _, dup := producer[out]; dup || g.consts[out] != nil || out == g.input {
				return nil, nodeErr(nd, "output %q is already defined elsewhere", out)
			}
			producer[out] = k
		}
	}
	sparse := map[string]bool{}
	for _, s := range gp.sparse {
		sparse[s] = true
	}
	waiting := make([]int, len(gp.nodes))
	next := make([][]int, len(gp.nodes))
	for k, nd := range gp.nodes {
		for _, in := range nd.inputs {
			if in == "" || g.consts[in] != nil || in == g.input {
				continue
			}
			p, ok := producer[in]
			switch {
			case ok:
				waiting[k]++
				next[p] = append(next[p], k)
			case sparse[in]:
				return nil, nodeErr(nd, "input %q is a sparse initializer, which is not supported", in)
			default:
				return nil, nodeErr(nd, "input %q is not produced by any node, initializer or graph input (missing initializer?)", in)
			}
		}
	}
	var ready []int
	for k := range gp.nodes {
		if waiting[k] == 0 {
			ready = append(ready, k)
		}
	}
	order := make([]*nodeProto, 0, len(gp.nodes))
	for len(ready) > 0 {
		k := ready[0]
		ready = ready[1:]
		order = append(order, gp.nodes[k])
		for _, j := range next[k] {
			if waiting[j]--; waiting[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	if len(order) < len(gp.nodes) {
		for k, nd := range gp.nodes {
			if waiting[k] > 0 && !slices.Contains(order, nd) {
				return nil, nodeErr(nd, "is part of a cycle (or depends on one)")
			}
		}
	}
	return order, nil
}

// isZeroPad reports a Pad that adds nothing, as torch.onnx.export writes
// before F.avg_pool2d; it is an identity whatever its mode.
func isZeroPad(nd *nodeProto, in []*tensor) bool {
	if nd.opType != "Pad" {
		return false
	}
	pads, ok, err := intsAttr(nd, "pads")
	if err != nil {
		return false
	}
	if !ok {
		if len(in) < 2 || in[1] == nil || !in[1].isInt {
			return false
		}
		pads = in[1].i
	}
	for _, p := range pads {
		if p != 0 {
			return false
		}
	}
	return true
}
