package torchfile

import (
	"fmt"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// dtype is the element type of a storage, named by its Python class.
type dtype struct {
	class string // e.g. "FloatStorage"
	name  string // torch dtype name, for messages
	size  int    // bytes per element
	float bool
}

// dtypes are the storage classes of torch/storage.py (_LegacyStorage
// subclasses in torch 1.13); only the floating-point ones hold weights.
var dtypes = map[string]dtype{}

func init() {
	for _, d := range []dtype{
		{"FloatStorage", "float32", 4, true},
		{"DoubleStorage", "float64", 8, true},
		{"HalfStorage", "float16", 2, true},
		{"BFloat16Storage", "bfloat16", 2, true},
		{"LongStorage", "int64", 8, false},
		{"IntStorage", "int32", 4, false},
		{"ShortStorage", "int16", 2, false},
		{"CharStorage", "int8", 1, false},
		{"ByteStorage", "uint8", 1, false},
		{"BoolStorage", "bool", 1, false},
	} {
		dtypes[d.class] = d
	}
}

// storageClass is the value a pickle gets for torch.FloatStorage and its
// kin; it only appears inside persistent IDs, never called.
type storageClass struct{ dtype dtype }

// storage is a block of elements shared by tensors. Files hold root storages;
// legacy files from before torch 0.4 may also name views, slices of a root.
type storage struct {
	key   string
	dtype dtype
	numel int64
	root  *storage // non-nil for a view
	off   int64    // a view's first element in root

	// Set by the format reader: where the bytes are (legacy files), and the
	// decoded values once a tensor needs them.
	fileOff int64
	inFile  bool
	values  []float32
}

// tensor is what _rebuild_tensor(_v2) returns: a strided view of a storage.
type tensor struct {
	st     *storage
	off    int64
	size   []int64
	stride []int64
}

// rebuildTensor implements torch._utils._rebuild_tensor(storage,
// storage_offset, size, stride) and _rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
type rebuildTensor struct {
	name  string
	nargs []int // accepted argument counts
}

func (f *rebuildTensor) Call(args ...any) (any, error) {
	ok := false
	for _, n := range f.nargs {
		ok = ok || len(args) == n
	}
	if !ok {
		return nil, fmt.Errorf("%s takes %v arguments, found %d", f.name, f.nargs, len(args))
	}
	st, isStorage := args[0].(*storage)
	if !isStorage {
		return nil, fmt.Errorf("%s: first argument is %s, not a storage", f.name, describe(args[0]))
	}
	off, isInt := args[1].(int)
	if !isInt || off < 0 {
		return nil, fmt.Errorf("%s: storage offset is %s, not a non-negative int", f.name, describe(args[1]))
	}
	size, err := intTuple(f.name, "size", args[2])
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(f.name, "stride", args[3])
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("%s: size %v and stride %v differ in length", f.name, size, stride)
	}
	return &tensor{st: st, off: int64(off), size: size, stride: stride}, nil
}

func intTuple(fn, what string, v any) ([]int64, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("%s: %s is %s, not a tuple", fn, what, describe(v))
	}
	out := make([]int64, len(*t))
	for i, e := range *t {
		n, ok := e.(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s: %s[%d] is %s, not a non-negative int", fn, what, i, describe(e))
		}
		out[i] = int64(n)
	}
	return out, nil
}

// rebuildParameter implements torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks) (and _with_state, one more argument): an
// nn.Parameter is its tensor here.
type rebuildParameter struct{ name string }

func (f *rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("%s without arguments", f.name)
	}
	if _, ok := args[0].(*tensor); !ok {
		return nil, fmt.Errorf("%s: data is %s, not a tensor", f.name, describe(args[0]))
	}
	return args[0], nil
}

// opaqueClass stands for any other global a checkpoint names (argparse
// Namespace, numpy scalars, optimizer classes...). Its objects absorb whatever
// the pickle does to them, so that a checkpoint holding extras besides the
// state dict still loads; using one as a weight is an error naming the class.
type opaqueClass struct{ module, name string }

type opaque struct{ class *opaqueClass }

func (c *opaqueClass) Call(...any) (any, error)  { return &opaque{c}, nil }
func (c *opaqueClass) PyNew(...any) (any, error) { return &opaque{c}, nil }
func (o *opaque) Call(...any) (any, error)       { return o, nil }
func (o *opaque) PyNew(...any) (any, error)      { return o, nil }
func (*opaque) PySetState(any) error             { return nil }
func (*opaque) PyDictSet(any, any) error         { return nil }
func (*opaque) PySetAttr(string, any) error      { return nil }
func (*opaque) Set(any, any)                     {}
func (*opaque) Append(any)                       {}

// findClass resolves the globals of a torch.save pickle.
func findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor":
		return &rebuildTensor{name: name, nargs: []int{4}}, nil
	case "torch._utils._rebuild_tensor_v2":
		return &rebuildTensor{name: name, nargs: []int{6, 7}}, nil
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return &rebuildParameter{name: name}, nil
	case "collections.OrderedDict":
		// gopickle resolves this one itself before asking; kept for clarity.
		return &types.OrderedDictClass{}, nil
	}
	if (module == "torch" || module == "torch.cuda") && strings.HasSuffix(name, "Storage") {
		if d, ok := dtypes[name]; ok {
			return &storageClass{d}, nil
		}
	}
	return &opaqueClass{module, name}, nil
}

// describe names a pickled value's type for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case *tensor:
		return "a tensor"
	case *storage:
		return "a storage"
	case *opaque:
		return "a " + v.class.module + "." + v.class.name + " object"
	case *opaqueClass:
		return "the class " + v.module + "." + v.name
	case *types.Dict, *types.OrderedDict:
		return "a dict"
	case *types.List:
		return "a list"
	case *types.Tuple:
		return "a tuple"
	case string:
		return fmt.Sprintf("the string %q", truncate(v, 40))
	case []byte:
		return "bytes"
	case bool, int, float64:
		return fmt.Sprintf("%T %v", v, v)
	}
	return fmt.Sprintf("a %T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
