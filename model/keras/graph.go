package keras

import (
	"fmt"
	"slices"
)

// resnet is a Keras ResNet v1 graph matched layer by layer (the Keras example
// cifar10_resnet.py, resnet_v1): a stem conv-bn-relu, blocks of
// conv-bn-relu-conv-bn added to an identity or 1x1-projection shortcut and
// followed by a ReLU, then average pooling, flatten and a dense layer.
type resnet struct {
	stem   convBN
	blocks []block
	dense  *Layer
	// taps maps the model's tap names to the Keras layers that produce them.
	taps map[string]*Layer
}

type convBN struct{ conv, bn *Layer }

type block struct {
	conv1, conv2 convBN
	shortcut     *convBN // projection; bn is nil when the projection has none
	relu, out    *Layer  // inner ReLU, block output
}

type graph struct {
	layers    []Layer
	byName    map[string]*Layer
	consumers map[string][]*Layer
}

func newGraph(layers []Layer) *graph {
	g := &graph{layers: layers, byName: map[string]*Layer{}, consumers: map[string][]*Layer{}}
	for i := range layers {
		l := &layers[i]
		g.byName[l.Name] = l
		for _, in := range l.Inbound {
			g.consumers[in] = append(g.consumers[in], l)
		}
	}
	return g
}

// next returns the only consumer of l, which must be of the given class.
func (g *graph) next(l *Layer, class string) (*Layer, error) {
	c := g.consumers[l.Name]
	if len(c) != 1 || c[0].Class != class {
		return nil, fmt.Errorf("keras: after layer %d %q (%s) expected one %s, found %s", l.Index, l.Name, l.Class, class, describe(c))
	}
	return c[0], nil
}

func describe(ls []*Layer) string {
	if len(ls) == 0 {
		return "none"
	}
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q (%s)", l.Name, l.Class)
	}
	return s
}

// convBN follows a Conv2D to its BatchNormalization.
func (g *graph) convBN(conv *Layer) (convBN, error) {
	bn, err := g.next(conv, "BatchNormalization")
	return convBN{conv, bn}, err
}

// relu follows l to an Activation("relu").
func (g *graph) relu(l *Layer) (*Layer, error) {
	a, err := g.next(l, "Activation")
	if err != nil {
		return nil, err
	}
	if a.Config.Activation != "relu" {
		return nil, fmt.Errorf("keras: layer %q: activation %q, want relu", a.Name, a.Config.Activation)
	}
	return a, nil
}

func matchResNet(layers []Layer) (*resnet, error) {
	g := newGraph(layers)
	in := &g.layers[0]
	if in.Class != "InputLayer" {
		return nil, fmt.Errorf("keras: first layer %q is a %s, want InputLayer", in.Name, in.Class)
	}
	r := &resnet{taps: map[string]*Layer{}}
	conv, err := g.next(in, "Conv2D")
	if err != nil {
		return nil, err
	}
	if r.stem, err = g.convBN(conv); err != nil {
		return nil, err
	}
	x, err := g.relu(r.stem.bn)
	if err != nil {
		return nil, err
	}
	r.taps["conv1"] = x
	for {
		cons := g.consumers[x.Name]
		if len(cons) == 1 && cons[0].Class == "AveragePooling2D" {
			break
		}
		b, err := g.block(x)
		if err != nil {
			return nil, err
		}
		r.blocks = append(r.blocks, b)
		x = b.out
		if len(r.blocks) > len(layers) {
			return nil, fmt.Errorf("keras: graph loops")
		}
	}
	pool, _ := g.next(x, "AveragePooling2D")
	flat, err := g.next(pool, "Flatten")
	if err != nil {
		return nil, err
	}
	if r.dense, err = g.next(flat, "Dense"); err != nil {
		return nil, err
	}
	if c := g.consumers[r.dense.Name]; len(c) != 0 {
		return nil, fmt.Errorf("keras: dense layer %q feeds %s; the ResNet must end there", r.dense.Name, describe(c))
	}
	r.taps["pool"], r.taps["fc"] = pool, r.dense
	if n := len(r.blocks); n == 0 || n%3 != 0 {
		return nil, fmt.Errorf("keras: %d residual blocks, want a positive multiple of 3 (three stages)", n)
	}
	per := len(r.blocks) / 3
	for i, b := range r.blocks {
		name := fmt.Sprintf("layer%d.%d", i/per+1, i%per)
		r.taps[name+".relu"], r.taps[name] = b.relu, b.out
	}
	return r, nil
}

// block matches one residual block whose input is x.
func (g *graph) block(x *Layer) (block, error) {
	var b block
	var main, proj []*Layer
	for _, c := range g.consumers[x.Name] {
		switch {
		case c.Class == "Conv2D" && slices.Equal(c.Config.KernelSize, []int{1, 1}):
			proj = append(proj, c)
		case c.Class == "Conv2D":
			main = append(main, c)
		case c.Class == "Add":
		default:
			return b, fmt.Errorf("keras: layer %q (%s) after %q does not fit a residual block", c.Name, c.Class, x.Name)
		}
	}
	if len(main) != 1 || len(proj) > 1 {
		return b, fmt.Errorf("keras: after %q expected one 3x3 Conv2D and at most one 1x1 projection, found %s", x.Name, describe(g.consumers[x.Name]))
	}
	var err error
	if b.conv1, err = g.convBN(main[0]); err != nil {
		return b, err
	}
	if b.relu, err = g.relu(b.conv1.bn); err != nil {
		return b, err
	}
	conv2, err := g.next(b.relu, "Conv2D")
	if err != nil {
		return b, err
	}
	if b.conv2, err = g.convBN(conv2); err != nil {
		return b, err
	}
	add, err := g.next(b.conv2.bn, "Add")
	if err != nil {
		return b, err
	}
	short := x
	if len(proj) == 1 {
		b.shortcut = &convBN{conv: proj[0]}
		short = proj[0]
		// A projection may have its own batch norm (not in resnet_v1).
		if c := g.consumers[proj[0].Name]; len(c) == 1 && c[0].Class == "BatchNormalization" {
			b.shortcut.bn = c[0]
			short = c[0]
		}
	}
	if len(add.Inbound) != 2 || !slices.Contains(add.Inbound, short.Name) || !slices.Contains(add.Inbound, b.conv2.bn.Name) {
		return b, fmt.Errorf("keras: add layer %q joins %v, want %q and %q", add.Name, add.Inbound, b.conv2.bn.Name, short.Name)
	}
	if b.out, err = g.relu(add); err != nil {
		return b, err
	}
	return b, nil
}
