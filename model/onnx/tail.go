package onnx

import (
	"fmt"
	"slices"
)

// tail matches global average pooling, flattening and the fully connected
// layer, which must produce a graph output.
func (w *walker) tail(v string, sh shape) error {
	nd, err := w.next(v, "GlobalAveragePool", "AveragePool", "ReduceMean")
	if err != nil {
		return err
	}
	if err := w.take(nd); err != nil {
		return err
	}
	if err := w.checkPool(nd, sh); err != nil {
		return err
	}
	flat := false
	if nd.opType == "ReduceMean" {
		k, _, _ := intAttr(nd, "keepdims", 1)
		flat = k == 0
	}
	if v, err = output(nd); err != nil {
		return err
	}
	for {
		if nd, err = w.next(v, "Flatten", "Reshape", "Squeeze", "Gemm", "MatMul"); err != nil {
			return err
		}
		if nd.opType == "Gemm" || nd.opType == "MatMul" {
			break
		}
		if err := w.take(nd); err != nil {
			return err
		}
		if err := w.checkFlatten(nd, sh.c); err != nil {
			return err
		}
		flat = true
		if v, err = output(nd); err != nil {
			return err
		}
	}
	if !flat {
		return nodeErr(nd, "applied to the pooled %v value without flattening it", shape{sh.c, 1, 1})
	}
	if err := w.take(nd); err != nil {
		return err
	}
	w.net.fcNode = nd
	if v, err = w.dense(nd, sh.c); err != nil {
		return err
	}
	if cs := w.g.consumers[v]; len(cs) > 0 {
		return nodeErr(cs[0], "after the logits %q is not supported (the network must end with its fully connected layer)", v)
	}
	if !slices.Contains(w.g.outputs, v) {
		return fmt.Errorf("onnx: the logits %q are not a graph output", v)
	}
	return nil
}

func (w *walker) checkPool(nd *nodeProto, sh shape) error {
	switch nd.opType {
	case "AveragePool":
		ks, _, err := intsAttr(nd, "kernel_shape")
		if err != nil || !slices.Equal(ks, []int64{int64(sh.h), int64(sh.w)}) {
			return nodeErr(nd, "kernel_shape %v, want the whole %dx%d plane", ks, sh.h, sh.w)
		}
		if p, ok, _ := intsAttr(nd, "pads"); ok && slices.ContainsFunc(p, func(v int64) bool { return v != 0 }) {
			return nodeErr(nd, "pads %v not supported", p)
		}
		if ap, _ := stringAttr(nd, "auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" && ap != "" {
			return nodeErr(nd, "auto_pad %s not supported", ap)
		}
	case "ReduceMean":
		axes, ok, err := intsAttr(nd, "axes")
		if err != nil {
			return nodeErr(nd, "%v", err)
		}
		if !ok {
			if axes, err = w.intConst(nd, 1, "axes"); err != nil {
				return err
			}
		}
		set := map[int]bool{}
		for _, a := range axes {
			if k, err := normAxis(a, 4); err == nil {
				set[k] = true
			}
		}
		if len(axes) != 2 || !set[2] || !set[3] {
			return nodeErr(nd, "axes %v, want the planes [2 3]", axes)
		}
	}
	return nil
}

// checkFlatten accepts the ways exporters turn the pooled [N C 1 1] into [N C].
func (w *walker) checkFlatten(nd *nodeProto, c int) error {
	switch nd.opType {
	case "Flatten":
		a, _, err := intAttr(nd, "axis", 1)
		if err != nil || (a != 1 && a != -3) {
			return nodeErr(nd, "axis %d not supported (want 1)", a)
		}
	case "Reshape":
		s, err := w.intConst(nd, 1, "shape")
		if err != nil {
			return err
		}
		// s[0] is the batch: kept (0), inferred (-1), 1 for a batch-1
		// export, or the input's own batch size read with Shape.
		if len(s) != 2 || !(s[0] == -1 || s[0] == 0 || s[0] == 1 || s[0] == batchDim) || !(s[1] == int64(c) || (s[1] == -1 && s[0] != -1)) {
			return nodeErr(nd, "shape %v not supported (want [N %d])", s, c)
		}
	case "Squeeze":
		axes, ok, err := intsAttr(nd, "axes")
		if err != nil {
			return nodeErr(nd, "%v", err)
		}
		if !ok {
			if axes, err = w.intConst(nd, 1, "axes"); err != nil {
				return err
			}
		}
		for _, a := range axes {
			if k, err := normAxis(a, 4); err != nil || k < 2 {
				return nodeErr(nd, "axes %v not supported (want [2 3])", axes)
			}
		}
	}
	return nil
}

// dense matches Gemm, or MatMul with an optional bias Add, and returns the
// logits' value name.
func (w *walker) dense(nd *nodeProto, in int) (string, error) {
	bt, err := w.floatConst(nd, 1, "weight")
	if err != nil {
		return "", err
	}
	transB := int64(0)
	if nd.opType == "Gemm" {
		for _, a := range []string{"alpha", "beta"} {
			if v, _, err := floatAttr(nd, a, 1); err != nil || v != 1 {
				return "", nodeErr(nd, "%s = %v not supported (want 1)", a, v)
			}
		}
		if t, _, err := intAttr(nd, "transA", 0); err != nil || t != 0 {
			return "", nodeErr(nd, "transA = %d not supported (want 0)", t)
		}
		if transB, _, err = intAttr(nd, "transB", 0); err != nil || (transB != 0 && transB != 1) {
			return "", nodeErr(nd, "transB = %d not supported", transB)
		}
	}
	if len(bt.dims) != 2 {
		return "", nodeErr(nd, "weight %q has shape %v, want 2 dimensions", bt.name, bt.dims)
	}
	if transB == 1 {
		w.net.classes = bt.dims[0]
		if bt.dims[1] != in {
			return "", shapeErr(nd, bt.name, []int{bt.dims[0], in}, bt.dims)
		}
		w.net.fcWeight = slices.Clone(bt.f)
	} else {
		w.net.classes = bt.dims[1]
		if bt.dims[0] != in {
			return "", shapeErr(nd, bt.name, []int{in, bt.dims[1]}, bt.dims)
		}
		k := w.net.classes
		w.net.fcWeight = make([]float32, len(bt.f))
		for i := 0; i < in; i++ {
			for o := 0; o < k; o++ {
				w.net.fcWeight[o*in+i] = bt.f[i*k+o]
			}
		}
	}
	out, err := output(nd)
	if err != nil {
		return "", err
	}
	bias := func(bn *nodeProto, k int) error {
		b, err := w.floatConst(bn, k, "bias")
		if err != nil {
			return err
		}
		if !slices.Equal(b.dims, []int{w.net.classes}) && !slices.Equal(b.dims, []int{1, w.net.classes}) {
			return shapeErr(bn, b.name, []int{w.net.classes}, b.dims)
		}
		w.net.fcBias = slices.Clone(b.f)
		return nil
	}
	if nd.opType == "Gemm" {
		if len(nd.inputs) > 2 && nd.inputs[2] != "" {
			if err := bias(nd, 2); err != nil {
				return "", err
			}
		}
		return out, nil
	}
	cs := w.g.consumers[out]
	if len(cs) != 1 || cs[0].opType != "Add" {
		return out, nil
	}
	add := cs[0]
	if err := w.take(add); err != nil {
		return "", err
	}
	if len(add.inputs) != 2 {
		return "", nodeErr(add, "has %d inputs, want 2", len(add.inputs))
	}
	k := 1
	if add.inputs[1] == out {
		k = 0
	}
	if err := bias(add, k); err != nil {
		return "", err
	}
	return output(add)
}
