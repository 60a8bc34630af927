package onnx

import (
	"fmt"
	"strconv"
)

// label names a node for error messages: its name, or its first output when
// the exporter left it unnamed.
func (nd *nodeProto) label() string {
	if nd.name != "" {
		return strconv.Quote(nd.name)
	}
	if len(nd.outputs) > 0 {
		return "with output " + strconv.Quote(nd.outputs[0])
	}
	return "(unnamed)"
}

// nodeErr formats an error about a node: onnx: node "/layer1/Conv" (Conv): ...
func nodeErr(nd *nodeProto, format string, args ...any) error {
	return fmt.Errorf("onnx: node %s (%s): %w", nd.label(), nd.opType, fmt.Errorf(format, args...))
}

func attr(nd *nodeProto, name string) *attribute {
	for _, a := range nd.attrs {
		if a.name == name {
			return a
		}
	}
	return nil
}

// The attribute readers return ok = false for an absent attribute and an
// error for one of the wrong type. A type of 0 (IR version 1 files, which
// predate AttributeProto.type) is accepted for any reader.

func intAttr(nd *nodeProto, name string, def int64) (int64, bool, error) {
	a := attr(nd, name)
	if a == nil {
		return def, false, nil
	}
	if a.typ != attrInt && a.typ != 0 {
		return 0, false, fmt.Errorf("attribute %s has type %d, want INT", name, a.typ)
	}
	return a.i, true, nil
}

func floatAttr(nd *nodeProto, name string, def float32) (float32, bool, error) {
	a := attr(nd, name)
	if a == nil {
		return def, false, nil
	}
	if a.typ != attrFloat && a.typ != 0 {
		return 0, false, fmt.Errorf("attribute %s has type %d, want FLOAT", name, a.typ)
	}
	return a.f, true, nil
}

func intsAttr(nd *nodeProto, name string) ([]int64, bool, error) {
	a := attr(nd, name)
	if a == nil {
		return nil, false, nil
	}
	if a.typ != attrInts && a.typ != 0 {
		return nil, false, fmt.Errorf("attribute %s has type %d, want INTS", name, a.typ)
	}
	return a.ints, true, nil
}

func stringAttr(nd *nodeProto, name, def string) (string, error) {
	a := attr(nd, name)
	if a == nil {
		return def, nil
	}
	if a.typ != attrString && a.typ != 0 {
		return "", fmt.Errorf("attribute %s has type %d, want STRING", name, a.typ)
	}
	return string(a.s), nil
}
