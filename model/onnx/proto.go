package onnx

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The subset of onnx.proto this importer reads, decoded by hand from the wire
// format. Field numbers are those of onnx/onnx.proto (ONNX IR version 8; the
// numbers have not changed since they were introduced). Unknown fields are
// skipped by wire type, as protobuf requires, so newer files still load.

type modelProto struct {
	irVersion int64
	opsets    []opsetID
	graph     *graphProto
}

type opsetID struct {
	domain  string
	version int64
}

type graphProto struct {
	nodes        []*nodeProto
	initializers []*tensorProto
	sparse       []string // names of sparse initializers, refused when used
	inputs       []valueInfo
	outputs      []valueInfo
}

type nodeProto struct {
	inputs, outputs []string
	name, opType    string
	domain          string
	attrs           []*attribute
}

type attribute struct {
	name   string
	typ    int32 // AttributeProto.AttributeType
	f      float32
	i      int64
	s      []byte
	t      *tensorProto
	floats []float32
	ints   []int64
}

// AttributeProto.AttributeType values (onnx.proto, enum AttributeType).
const (
	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrInts   = 7
)

type tensorProto struct {
	name      string
	dims      []int64
	dataType  int32
	floatData []float32
	int32Data []int32
	int64Data []int64
	raw       []byte
	hasRaw    bool
	external  bool
	segmented bool
}

// TensorProto.DataType values (onnx.proto, enum DataType).
const (
	typeFloat = 1
	typeInt32 = 6
	typeInt64 = 7
)

func dataTypeName(t int32) string {
	names := map[int32]string{0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
		7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
		14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("data type %d", t)
}

type valueInfo struct {
	name     string
	elemType int32
	hasShape bool
	dims     []dim
}

// dim is one TensorShapeProto.Dimension: a value, a symbolic name, or neither.
type dim struct {
	value    int64
	hasValue bool
	param    string
}

// fieldFunc handles one field of a message: b starts at the field's value. It
// returns how many bytes it consumed, or -1 to have the field skipped.
type fieldFunc func(num protowire.Number, typ protowire.Type, b []byte) (int, error)

// parseMessage calls f for each field of the message in b.
func parseMessage(msg string, b []byte, f fieldFunc) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("onnx: %s: bad field tag: %w", msg, protowire.ParseError(n))
		}
		b = b[n:]
		m, err := f(num, typ, b)
		if err != nil {
			return err
		}
		if m < 0 {
			if m = protowire.ConsumeFieldValue(num, typ, b); m < 0 {
				return fmt.Errorf("onnx: %s field %d: %w", msg, num, protowire.ParseError(m))
			}
		}
		b = b[m:]
	}
	return nil
}

func wireError(field string, err error) error {
	return fmt.Errorf("onnx: %s: %w", field, err)
}

var errWireType = errors.New("wrong wire type")

func bytesField(field string, typ protowire.Type, b []byte) ([]byte, int, error) {
	if typ != protowire.BytesType {
		return nil, 0, wireError(field, errWireType)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, wireError(field, protowire.ParseError(n))
	}
	return v, n, nil
}

func stringField(field string, typ protowire.Type, b []byte, dst *string) (int, error) {
	v, n, err := bytesField(field, typ, b)
	if err == nil {
		*dst = string(v)
	}
	return n, err
}

func varintField(field string, typ protowire.Type, b []byte) (uint64, int, error) {
	if typ != protowire.VarintType {
		return 0, 0, wireError(field, errWireType)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, wireError(field, protowire.ParseError(n))
	}
	return v, n, nil
}

// repeatedVarint reads one element, or a packed run of them: proto2 parsers
// must accept both encodings whatever the .proto declares.
func repeatedVarint(field string, typ protowire.Type, b []byte, add func(uint64)) (int, error) {
	if typ == protowire.VarintType {
		v, n, err := varintField(field, typ, b)
		if err == nil {
			add(v)
		}
		return n, err
	}
	packed, n, err := bytesField(field, typ, b)
	if err != nil {
		return 0, err
	}
	for len(packed) > 0 {
		v, m := protowire.ConsumeVarint(packed)
		if m < 0 {
			return 0, wireError(field, protowire.ParseError(m))
		}
		add(v)
		packed = packed[m:]
	}
	return n, nil
}

// repeatedFloat reads one fixed32 float, or a packed run of them.
func repeatedFloat(field string, typ protowire.Type, b []byte, dst *[]float32) (int, error) {
	if typ == protowire.Fixed32Type {
		v, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return 0, wireError(field, protowire.ParseError(n))
		}
		*dst = append(*dst, math.Float32frombits(v))
		return n, nil
	}
	packed, n, err := bytesField(field, typ, b)
	if err != nil {
		return 0, err
	}
	if len(packed)%4 != 0 {
		return 0, wireError(field, fmt.Errorf("packed floats hold %d bytes, not a multiple of 4", len(packed)))
	}
	for i := 0; i < len(packed); i += 4 {
		v, _ := protowire.ConsumeFixed32(packed[i:])
		*dst = append(*dst, math.Float32frombits(v))
	}
	return n, nil
}

// decodeModel reads a ModelProto.
func decodeModel(b []byte) (*modelProto, error) {
	m := &modelProto{}
	err := parseMessage("ModelProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1: // ir_version
			v, n, err := varintField("ModelProto.ir_version", typ, b)
			m.irVersion = int64(v)
			return n, err
		case 7: // graph
			v, n, err := bytesField("ModelProto.graph", typ, b)
			if err != nil {
				return 0, err
			}
			m.graph, err = decodeGraph(v)
			return n, err
		case 8: // opset_import
			v, n, err := bytesField("ModelProto.opset_import", typ, b)
			if err != nil {
				return 0, err
			}
			var o opsetID
			err = parseMessage("OperatorSetIdProto", v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
				switch num {
				case 1: // domain
					return stringField("OperatorSetIdProto.domain", typ, b, &o.domain)
				case 2: // version
					v, n, err := varintField("OperatorSetIdProto.version", typ, b)
					o.version = int64(v)
					return n, err
				}
				return -1, nil
			})
			m.opsets = append(m.opsets, o)
			return n, err
		}
		return -1, nil
	})
	if err != nil {
		return nil, err
	}
	if m.graph == nil {
		return nil, errors.New("onnx: file holds no graph (ModelProto field 7 missing; is this an ONNX model?)")
	}
	return m, nil
}

func decodeGraph(b []byte) (*graphProto, error) {
	g := &graphProto{}
	err := parseMessage("GraphProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1: // node
			v, n, err := bytesField("GraphProto.node", typ, b)
			if err != nil {
				return 0, err
			}
			node, err := decodeNode(v)
			g.nodes = append(g.nodes, node)
			return n, err
		case 5: // initializer
			v, n, err := bytesField("GraphProto.initializer", typ, b)
			if err != nil {
				return 0, err
			}
			t, err := decodeTensor(v)
			g.initializers = append(g.initializers, t)
			return n, err
		case 11, 12: // input, output
			v, n, err := bytesField("GraphProto.input/output", typ, b)
			if err != nil {
				return 0, err
			}
			vi, err := decodeValueInfo(v)
			if num == 11 {
				g.inputs = append(g.inputs, vi)
			} else {
				g.outputs = append(g.outputs, vi)
			}
			return n, err
		case 15: // sparse_initializer: SparseTensorProto, values = 1 (a TensorProto whose name is the initializer's)
			v, n, err := bytesField("GraphProto.sparse_initializer", typ, b)
			if err != nil {
				return 0, err
			}
			err = parseMessage("SparseTensorProto", v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
				if num != 1 {
					return -1, nil
				}
				v, n, err := bytesField("SparseTensorProto.values", typ, b)
				if err != nil {
					return 0, err
				}
				t, err := decodeTensor(v)
				if err == nil {
					g.sparse = append(g.sparse, t.name)
				}
				return n, err
			})
			return n, err
		}
		return -1, nil
	})
	return g, err
}

func decodeNode(b []byte) (*nodeProto, error) {
	nd := &nodeProto{}
	err := parseMessage("NodeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1, 2: // input, output
			var s string
			n, err := stringField("NodeProto.input/output", typ, b, &s)
			if num == 1 {
				nd.inputs = append(nd.inputs, s)
			} else {
				nd.outputs = append(nd.outputs, s)
			}
			return n, err
		case 3: // name
			return stringField("NodeProto.name", typ, b, &nd.name)
		case 4: // op_type
			return stringField("NodeProto.op_type", typ, b, &nd.opType)
		case 7: // domain
			return stringField("NodeProto.domain", typ, b, &nd.domain)
		case 5: // attribute
			v, n, err := bytesField("NodeProto.attribute", typ, b)
			if err != nil {
				return 0, err
			}
			a, err := decodeAttribute(v)
			nd.attrs = append(nd.attrs, a)
			return n, err
		}
		return -1, nil
	})
	return nd, err
}

func decodeAttribute(b []byte) (*attribute, error) {
	a := &attribute{}
	err := parseMessage("AttributeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1: // name
			return stringField("AttributeProto.name", typ, b, &a.name)
		case 20: // type
			v, n, err := varintField("AttributeProto.type", typ, b)
			a.typ = int32(v)
			return n, err
		case 2: // f
			if typ != protowire.Fixed32Type {
				return 0, wireError("AttributeProto.f", errWireType)
			}
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return 0, wireError("AttributeProto.f", protowire.ParseError(n))
			}
			a.f = math.Float32frombits(v)
			return n, nil
		case 3: // i
			v, n, err := varintField("AttributeProto.i", typ, b)
			a.i = int64(v)
			return n, err
		case 4: // s
			v, n, err := bytesField("AttributeProto.s", typ, b)
			a.s = v
			return n, err
		case 5: // t
			v, n, err := bytesField("AttributeProto.t", typ, b)
			if err != nil {
				return 0, err
			}
			a.t, err = decodeTensor(v)
			return n, err
		case 7: // floats
			return repeatedFloat("AttributeProto.floats", typ, b, &a.floats)
		case 8: // ints
			return repeatedVarint("AttributeProto.ints", typ, b, func(v uint64) { a.ints = append(a.ints, int64(v)) })
		}
		return -1, nil
	})
	return a, err
}

func decodeTensor(b []byte) (*tensorProto, error) {
	t := &tensorProto{}
	err := parseMessage("TensorProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1: // dims
			return repeatedVarint("TensorProto.dims", typ, b, func(v uint64) { t.dims = append(t.dims, int64(v)) })
		case 2: // data_type
			v, n, err := varintField("TensorProto.data_type", typ, b)
			t.dataType = int32(v)
			return n, err
		case 3: // segment
			t.segmented = true
			return -1, nil
		case 4: // float_data
			return repeatedFloat("TensorProto.float_data", typ, b, &t.floatData)
		case 5: // int32_data
			return repeatedVarint("TensorProto.int32_data", typ, b, func(v uint64) { t.int32Data = append(t.int32Data, int32(v)) })
		case 7: // int64_data
			return repeatedVarint("TensorProto.int64_data", typ, b, func(v uint64) { t.int64Data = append(t.int64Data, int64(v)) })
		case 8: // name
			return stringField("TensorProto.name", typ, b, &t.name)
		case 9: // raw_data
			v, n, err := bytesField("TensorProto.raw_data", typ, b)
			t.raw, t.hasRaw = v, true
			return n, err
		case 13: // external_data
			t.external = true
			return -1, nil
		case 14: // data_location: DEFAULT = 0, EXTERNAL = 1
			v, n, err := varintField("TensorProto.data_location", typ, b)
			if v == 1 {
				t.external = true
			}
			return n, err
		}
		return -1, nil
	})
	return t, err
}

func decodeValueInfo(b []byte) (valueInfo, error) {
	var vi valueInfo
	err := parseMessage("ValueInfoProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1: // name
			return stringField("ValueInfoProto.name", typ, b, &vi.name)
		case 2: // type: TypeProto, tensor_type = 1
			v, n, err := bytesField("ValueInfoProto.type", typ, b)
			if err != nil {
				return 0, err
			}
			return n, parseMessage("TypeProto", v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
				if num != 1 {
					return -1, nil
				}
				v, n, err := bytesField("TypeProto.tensor_type", typ, b)
				if err != nil {
					return 0, err
				}
				return n, decodeTensorType(v, &vi)
			})
		}
		return -1, nil
	})
	return vi, err
}

// decodeTensorType reads TypeProto.Tensor: elem_type = 1, shape = 2, where
// shape is a TensorShapeProto of dim = 1, each a Dimension with dim_value = 1
// or dim_param = 2.
func decodeTensorType(b []byte, vi *valueInfo) error {
	return parseMessage("TypeProto.Tensor", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch num {
		case 1:
			v, n, err := varintField("TypeProto.Tensor.elem_type", typ, b)
			vi.elemType = int32(v)
			return n, err
		case 2:
			v, n, err := bytesField("TypeProto.Tensor.shape", typ, b)
			if err != nil {
				return 0, err
			}
			vi.hasShape = true
			vi.dims = vi.dims[:0]
			return n, parseMessage("TensorShapeProto", v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
				if num != 1 {
					return -1, nil
				}
				v, n, err := bytesField("TensorShapeProto.dim", typ, b)
				if err != nil {
					return 0, err
				}
				var d dim
				err = parseMessage("TensorShapeProto.Dimension", v, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
					switch num {
					case 1:
						v, n, err := varintField("Dimension.dim_value", typ, b)
						d.value, d.hasValue = int64(v), true
						return n, err
					case 2:
						return stringField("Dimension.dim_param", typ, b, &d.param)
					}
					return -1, nil
				})
				vi.dims = append(vi.dims, d)
				return n, err
			})
		}
		return -1, nil
	})
}
