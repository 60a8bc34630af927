// Package keras imports the Keras 2 ResNet v1 models of A. E. Orhan, "A
// Simple Cache Model for Image Recognition" (NeurIPS 2018), saved by
// model.save() as HDF5, into model.Net.
//
// The layer graph comes from the file's model_config attribute (JSON), the
// weights from model_weights/<layer>/<layer>/<name>:0 through model/hdf5. The
// importer matches the graph of the Keras example resnet_v1 (see graph.go) and
// names every tensor as model/doc.go does, in graph order rather than by the
// numbers in Keras' names (a projection conv2d_10 comes after conv2d_9 but
// belongs before it): Keras kernels H x W x in x out become OIHW, dense
// kernels in x out become out x in. The networks use Keras "same" padding
// (model.PadKerasSame) and projection shortcuts with biases (shortcut B).
//
// The input normalisation is not in the file. The paper's models take
// pixels / 255 minus the per-pixel mean image, divided by the per-pixel std
// image, of the training set; model.ReadNorm reads such statistics from the
// file `edgecache norm -data DIR -o FILE` writes. The paper computed them
// over all 60,000 CIFAR-10 images, test set included; we use the training
// images only. testdata/norm_cifar10_train.bin holds the statistics of the
// 50,000 images of cifar10-jpeg/train as decoded by PIL
// (tools/golden/keras_golden.py), which the parity tests use.
package keras

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgecache/edgecache/model"
	"github.com/edgecache/edgecache/model/hdf5"
)

// Info describes a Keras file beyond its weights.
type Info struct {
	KerasVersion string // root attribute keras_version, e.g. "2.1.1"
	Backend      string // root attribute backend, e.g. "tensorflow"
	BNEps        float64
	Layers       []Layer // model_config's layers, in file order
	// Taps maps each model tap name (model.Net.Taps) to the Keras layer whose
	// output it is. "fc" is the dense layer, whose Keras output is after its
	// softmax; the model's is before (logits).
	Taps map[string]*Layer
}

// Load reads a Keras ResNet file and builds the network, with the input
// normalisation norm (the file does not hold it; see model.ReadNorm).
func Load(path string, norm model.Norm) (*model.Net, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	w, info, err := ReadWeights(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	spec := model.Spec{
		Name:    strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		Padding: model.PadKerasSame,
		Norm:    norm,
		BNEps:   info.BNEps,
	}
	return model.Build(spec, w)
}

// ReadWeights reads the file's graph and weights and returns the weights under
// the canonical names of package model, batch norm not yet folded.
func ReadWeights(r io.ReaderAt, size int64) (model.Weights, *Info, error) {
	f, err := hdf5.Open(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("keras: %w", err)
	}
	root := f.Root()
	info := &Info{}
	for _, a := range []struct {
		name string
		dst  *string
	}{{"keras_version", &info.KerasVersion}, {"backend", &info.Backend}} {
		attr, err := root.Attr(a.name)
		if err != nil {
			return nil, nil, fmt.Errorf("keras: %w", err)
		}
		if *a.dst, err = attr.Text(); err != nil {
			return nil, nil, fmt.Errorf("keras: %w", err)
		}
	}
	if !strings.HasPrefix(info.KerasVersion, "2.") {
		return nil, nil, fmt.Errorf("keras: keras_version %q: only Keras 2 files are supported", info.KerasVersion)
	}
	cfg, err := root.Attr("model_config")
	if err != nil {
		return nil, nil, fmt.Errorf("keras: %w (a file from save_weights has no graph: save the whole model)", err)
	}
	text, err := cfg.Text()
	if err != nil {
		return nil, nil, fmt.Errorf("keras: %w", err)
	}
	if info.Layers, err = parseConfig(text); err != nil {
		return nil, nil, err
	}
	net, err := matchResNet(info.Layers)
	if err != nil {
		return nil, nil, err
	}
	info.Taps = net.taps
	weights, err := root.Group("model_weights")
	if err != nil {
		return nil, nil, fmt.Errorf("keras: %w", err)
	}
	rd := &reader{g: weights, w: model.Weights{}}
	rd.conv(net.stem.conv, "conv1", 3, 1)
	rd.bn(net.stem.bn, "bn1")
	per := len(net.blocks) / 3
	for i, b := range net.blocks {
		p := fmt.Sprintf("layer%d.%d.", i/per+1, i%per)
		stride := 1
		if i > 0 && i%per == 0 {
			stride = 2
		}
		rd.conv(b.conv1.conv, p+"conv1", 3, stride)
		rd.bn(b.conv1.bn, p+"bn1")
		rd.conv(b.conv2.conv, p+"conv2", 3, 1)
		rd.bn(b.conv2.bn, p+"bn2")
		if b.shortcut != nil {
			rd.conv(b.shortcut.conv, p+"shortcut", 1, stride)
			if b.shortcut.bn != nil {
				rd.bn(b.shortcut.bn, p+"shortcut_bn")
			}
		}
	}
	rd.dense(net.dense)
	if rd.err != nil {
		return nil, nil, rd.err
	}
	for _, e := range rd.eps {
		if e != rd.eps[0] {
			return nil, nil, fmt.Errorf("keras: batch norm epsilons differ (%v and %v); the model takes one", rd.eps[0], e)
		}
	}
	info.BNEps = rd.eps[0]
	return rd.w, info, nil
}

// reader collects canonical tensors, keeping the first error.
type reader struct {
	g   *hdf5.Group
	w   model.Weights
	eps []float64
	err error
}

func (rd *reader) fail(l *Layer, format string, args ...any) {
	if rd.err == nil {
		rd.err = fmt.Errorf("keras: layer %d %q: %s", l.Index, l.Name, fmt.Sprintf(format, args...))
	}
}

// tensors reads a layer's weights, named by the weight_names attribute of its
// group ("conv2d_1/kernel:0"), keyed by the part between '/' and ':'.
func (rd *reader) tensors(l *Layer) map[string]model.Tensor {
	out := map[string]model.Tensor{}
	if rd.err != nil {
		return out
	}
	g, err := rd.g.Group(l.Name)
	if err != nil {
		rd.err = fmt.Errorf("keras: weights of layer %q: %w", l.Name, err)
		return out
	}
	a, err := g.Attr("weight_names")
	var names []string
	if err == nil {
		names, err = a.Strings()
	}
	if err != nil {
		rd.err = fmt.Errorf("keras: weights of layer %q: %w", l.Name, err)
		return out
	}
	for _, n := range names {
		ds, err := g.Dataset(n)
		if err != nil {
			rd.err = fmt.Errorf("keras: weights of layer %q: %w", l.Name, err)
			return out
		}
		data, err := ds.Float32s()
		if err != nil {
			rd.err = fmt.Errorf("keras: weights of layer %q: %w", l.Name, err)
			return out
		}
		key := n[strings.LastIndexByte(n, '/')+1:]
		if i := strings.IndexByte(key, ':'); i >= 0 {
			key = key[:i]
		}
		out[key] = model.Tensor{Shape: ds.Shape(), Data: data}
	}
	return out
}

// conv checks a Conv2D's settings and stores its kernel as OIHW and its bias.
func (rd *reader) conv(l *Layer, name string, k, stride int) {
	c := l.Config
	switch {
	case !slices.Equal(c.KernelSize, []int{k, k}):
		rd.fail(l, "kernel size %v, want %dx%d", c.KernelSize, k, k)
	case !slices.Equal(c.Strides, []int{stride, stride}):
		rd.fail(l, "strides %v, want %d", c.Strides, stride)
	case c.Padding != "same":
		rd.fail(l, "padding %q, want same", c.Padding)
	case c.DataFormat != "" && c.DataFormat != "channels_last":
		rd.fail(l, "data format %q, want channels_last", c.DataFormat)
	case c.DilationRate != nil && !slices.Equal(c.DilationRate, []int{1, 1}):
		rd.fail(l, "dilation %v, want 1", c.DilationRate)
	case c.Activation != "" && c.Activation != "linear":
		rd.fail(l, "activation %q inside the convolution, want linear", c.Activation)
	}
	t := rd.tensors(l)
	kern, ok := t["kernel"]
	if rd.err != nil {
		return
	}
	if !ok || len(kern.Shape) != 4 {
		rd.fail(l, "no 4-D kernel among its weights")
		return
	}
	h, w, in, out := kern.Shape[0], kern.Shape[1], kern.Shape[2], kern.Shape[3]
	oihw := model.NewTensor(out, in, h, w)
	for y := range h {
		for x := range w {
			for i := range in {
				src := kern.Data[((y*w+x)*in+i)*out:]
				for o := range out {
					oihw.Data[((o*in+i)*h+y)*w+x] = src[o]
				}
			}
		}
	}
	rd.w[name+".weight"] = oihw
	if b, ok := t["bias"]; ok {
		rd.w[name+".bias"] = b
	} else if c.UseBias == nil || *c.UseBias {
		rd.fail(l, "use_bias is set but there is no bias")
	}
	if len(t) > 2 || (len(t) == 2 && t["bias"].Data == nil) {
		rd.fail(l, "unexpected weights %v", keys(t))
	}
}

// bn stores a BatchNormalization's parameters; gamma and beta default to 1
// and 0 when the layer has scale or center off. It returns the epsilon, which
// Keras 2 defaults to 1e-3.
func (rd *reader) bn(l *Layer, name string) float64 {
	eps := 1e-3
	if l.Config.Epsilon != nil {
		eps = *l.Config.Epsilon
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		rd.fail(l, "epsilon %v", eps)
	}
	if ax, ok := l.Config.Axis.(float64); l.Config.Axis != nil && (!ok || (ax != -1 && ax != 3)) {
		rd.fail(l, "normalises axis %v, want the channels (-1)", l.Config.Axis)
	}
	rd.eps = append(rd.eps, eps)
	t := rd.tensors(l)
	if rd.err != nil {
		return eps
	}
	mean, var_ := t["moving_mean"], t["moving_variance"]
	if mean.Data == nil || var_.Data == nil {
		rd.fail(l, "missing moving_mean or moving_variance among %v", keys(t))
		return eps
	}
	c := len(mean.Data)
	ones, zeros := model.NewTensor(c), model.NewTensor(c)
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	gamma, beta := ones, zeros
	if g, ok := t["gamma"]; ok {
		gamma = g
	}
	if b, ok := t["beta"]; ok {
		beta = b
	}
	rd.w[name+".weight"], rd.w[name+".bias"] = gamma, beta
	rd.w[name+".running_mean"], rd.w[name+".running_var"] = mean, var_
	return eps
}

// dense stores the output layer as out x in. Its softmax is left out: the
// model's "fc" is logits.
func (rd *reader) dense(l *Layer) {
	if a := l.Config.Activation; a != "" && a != "softmax" && a != "linear" {
		rd.fail(l, "activation %q, want softmax or linear", a)
	}
	t := rd.tensors(l)
	kern, ok := t["kernel"]
	if rd.err != nil {
		return
	}
	if !ok || len(kern.Shape) != 2 {
		rd.fail(l, "no 2-D kernel among its weights")
		return
	}
	in, out := kern.Shape[0], kern.Shape[1]
	w := model.NewTensor(out, in)
	for i := range in {
		for o := range out {
			w.Data[o*in+i] = kern.Data[i*out+o]
		}
	}
	rd.w["fc.weight"] = w
	if b, ok := t["bias"]; ok {
		rd.w["fc.bias"] = b
	}
}

func keys(m map[string]model.Tensor) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
