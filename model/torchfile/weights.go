package torchfile

import (
	"encoding/binary"
	"fmt"
	"github.com/x448/float16"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/edgecache/edgecache/model"
	"github.com/nlpodyssey/gopickle/types"
)

// checkpoint is a decoded object pickle with access to its storages.
type checkpoint struct {
	root     any
	storages *storageTable
	order    binary.ByteOrder
	// raw returns the bytes of a root storage, numel*dtype.size of them.
	raw func(*storage) ([]byte, error)
}

// ReadWeights reads a PyTorch checkpoint of size bytes, legacy or zip format,
// and returns its state dict under canonical names (see package model),
// ready for model.Build.
func ReadWeights(r io.ReaderAt, size int64) (model.Weights, error) {
	w, err := readWeights(r, size)
	if err != nil {
		return nil, fmt.Errorf("torchfile: %w", err)
	}
	return w, nil
}

func readWeights(r io.ReaderAt, size int64) (model.Weights, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative file size %d", size)
	}
	var head [4]byte
	var ck *checkpoint
	var err error
	// A zip archive starts with a local file header, "PK\x03\x04" (APPNOTE.TXT 4.3.7).
	if size >= 4 && readAt(r, head[:], 0) == nil && string(head[:]) == "PK\x03\x04" {
		ck, err = openZip(r, size)
	} else {
		ck, err = openLegacy(r, size)
	}
	if err != nil {
		return nil, err
	}
	entries, err := stateDict(ck.root)
	if err != nil {
		return nil, err
	}
	return ck.weights(entries)
}

type item struct{ key, value any }

// dictItems lists a dict's entries in order; ok is false for anything else.
func dictItems(v any) (items []item, ok bool) {
	switch d := v.(type) {
	case *types.Dict:
		for _, e := range *d {
			items = append(items, item{e.Key, e.Value})
		}
		return items, true
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			oe := e.Value.(*types.OrderedDictEntry)
			items = append(items, item{oe.Key, oe.Value})
		}
		return items, true
	}
	return nil, false
}

// stateKeys are where training scripts commonly keep the state dict.
var stateKeys = []string{"state_dict", "model_state_dict", "model"}

type entry struct {
	name string
	t    *tensor
}

// stateDict finds the state dict in a checkpoint: the object itself when it
// holds tensors, else the dict under one of stateKeys.
func stateDict(root any) ([]entry, error) {
	items, ok := dictItems(root)
	if !ok {
		return nil, fmt.Errorf("the object is %s, not a dict; save a state dict (torch.save(model.state_dict(), ...)), not a module", describe(root))
	}
	var keys []string
	for _, want := range stateKeys {
		for _, it := range items {
			if k, _ := it.key.(string); k == want {
				sd, ok := dictItems(it.value)
				if !ok {
					return nil, fmt.Errorf("checkpoint entry %q is %s, not a state dict", want, describe(it.value))
				}
				return stateEntries(sd)
			}
		}
	}
	for _, it := range items {
		if _, ok := it.value.(*tensor); ok {
			return stateEntries(items)
		}
		if k, ok := it.key.(string); ok {
			keys = append(keys, k)
		} else {
			keys = append(keys, describe(it.key))
		}
	}
	return nil, fmt.Errorf("no state dict: the object is a dict without tensors, keys [%s], and none of %s",
		truncate(strings.Join(keys, " "), 200), strings.Join(stateKeys, ", "))
}

func stateEntries(items []item) ([]entry, error) {
	out := make([]entry, 0, len(items))
	for _, it := range items {
		name, ok := it.key.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %s is not a string", describe(it.key))
		}
		t, ok := it.value.(*tensor)
		if !ok {
			return nil, fmt.Errorf("state dict entry %q is %s, not a tensor", name, describe(it.value))
		}
		out = append(out, entry{name, t})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the state dict is empty")
	}
	return out, nil
}

// weights copies the tensors out under canonical names.
func (ck *checkpoint) weights(entries []entry) (model.Weights, error) {
	w := make(model.Weights, len(entries))
	from := make(map[string]string, len(entries))
	// Decode every storage a weight uses first, so that each one's size is
	// checked against the file before any tensor is copied out. Tensors
	// share storages, but a real state dict never copies out much more than
	// its storages hold; the budget stops a small crafted file whose many
	// tensors all view one large storage.
	var budget int64
	for _, e := range entries {
		if dropped(e.name) || !e.t.st.dtype.float {
			continue
		}
		root := e.t.st
		if root.root != nil {
			root = root.root
		}
		if root.values == nil && root.numel > 0 {
			if _, err := ck.values(root); err != nil {
				return nil, err
			}
			budget += 2 * root.numel
		}
	}
	for _, e := range entries {
		if dropped(e.name) {
			continue
		}
		name := canonicalName(e.name)
		if prev, dup := from[name]; dup {
			return nil, fmt.Errorf("tensors %q and %q both name %q", prev, e.name, name)
		}
		from[name] = e.name
		if !e.t.st.dtype.float {
			return nil, fmt.Errorf("tensor %q holds %s values; weights are floating point", e.name, e.t.st.dtype.name)
		}
		vals, err := ck.values(e.t.st)
		if err != nil {
			return nil, err
		}
		data, shape, err := e.t.contiguous(vals, e.name)
		if err != nil {
			return nil, err
		}
		if budget -= int64(len(data)); budget < 0 {
			return nil, fmt.Errorf("tensor %q: the tensors add up to more than twice the values of all storages", e.name)
		}
		w[name] = model.Tensor{Shape: shape, Data: data}
	}
	return w, nil
}

// dropped reports the tensors a state dict holds that are no weights:
// BatchNorm's training-step counter.
func dropped(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// values returns a storage's elements as float32, decoding a root once.
func (ck *checkpoint) values(st *storage) ([]float32, error) {
	if st.root != nil {
		root, err := ck.values(st.root)
		if err != nil {
			return nil, err
		}
		return root[st.off : st.off+st.numel], nil // bounds checked in view
	}
	if st.values != nil || st.numel == 0 {
		return st.values, nil
	}
	raw, err := ck.raw(st)
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) != satMul(st.numel, int64(st.dtype.size)) {
		return nil, fmt.Errorf("storage %q: %d bytes for %d %s values", st.key, len(raw), st.numel, st.dtype.name)
	}
	st.values = decode(raw, st.dtype, ck.order)
	return st.values, nil
}

// decode converts raw elements of a floating-point dtype to float32.
func decode(raw []byte, d dtype, order binary.ByteOrder) []float32 {
	out := make([]float32, len(raw)/d.size)
	for i := range out {
		b := raw[i*d.size:]
		switch d.class {
		case "FloatStorage":
			out[i] = math.Float32frombits(order.Uint32(b))
		case "DoubleStorage":
			out[i] = float32(math.Float64frombits(order.Uint64(b)))
		case "HalfStorage":
			out[i] = float16.Frombits(order.Uint16(b)).Float32()
		case "BFloat16Storage":
			// bfloat16 is the high half of a float32.
			out[i] = math.Float32frombits(uint32(order.Uint16(b)) << 16)
		}
	}
	return out
}

// contiguous copies a strided tensor out of its storage values.
func (t *tensor) contiguous(vals []float32, name string) ([]float32, []int, error) {
	have := int64(len(vals))
	numel, last := int64(1), t.off // last element's index
	for i, n := range t.size {
		numel = satMul(numel, n)
		if n > 0 {
			last = satAdd(last, satMul(n-1, t.stride[i]))
		}
	}
	shape := make([]int, len(t.size))
	for i, n := range t.size {
		if n > math.MaxInt32 {
			return nil, nil, fmt.Errorf("tensor %q: dimension %d has size %d", name, i, n)
		}
		shape[i] = int(n)
	}
	if numel == 0 {
		return []float32{}, shape, nil
	}
	if last >= have {
		return nil, nil, fmt.Errorf("storage %q holds %d values, tensor %q needs %s (offset %d, size %v, stride %v)",
			t.st.key, have, name, count(satAdd(last, 1)), t.off, t.size, t.stride)
	}
	if numel > have {
		return nil, nil, fmt.Errorf("tensor %q has %d values, more than its storage %q holds (%d): expanded views are not weights",
			name, numel, t.st.key, have)
	}
	out := make([]float32, numel)
	if slices.Equal(t.stride, contiguousStrides(t.size)) {
		copy(out, vals[t.off:])
		return out, shape, nil
	}
	// Walk the indices in row-major order like an odometer.
	idx := make([]int64, len(t.size))
	at := t.off
	for i := range out {
		out[i] = vals[at]
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			at += t.stride[d]
			if idx[d] < t.size[d] {
				break
			}
			at -= idx[d] * t.stride[d]
			idx[d] = 0
		}
	}
	return out, shape, nil
}

func contiguousStrides(size []int64) []int64 {
	s := make([]int64, len(size))
	step := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		s[i] = step
		step *= max(size[i], 1)
	}
	return s
}

// satMul and satAdd are non-negative int64 arithmetic that sticks at
// MaxInt64 instead of wrapping, for sizes a crafted file makes huge.
func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

func count(n int64) string {
	if n == math.MaxInt64 {
		return "more than 2^63"
	}
	return fmt.Sprint(n)
}
