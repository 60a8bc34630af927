package torchfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// unpickle decodes one pickle that scanPickle has accepted. storages, when
// not nil, resolves persistent IDs (only the object pickle has them).
func unpickle(data []byte, storages *storageTable) (any, error) {
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = findClass
	if storages != nil {
		u.PersistentLoad = storages.persistentLoad
	}
	v, err := u.Load()
	if err != nil {
		// gopickle's messages may dump whole objects (%#v); keep the start.
		return nil, errors.New(truncate(err.Error(), 300))
	}
	return v, nil
}

// readPickle scans and decodes the next pickle from r (at most limit bytes)
// and returns its value and length.
func readPickle(r *bufio.Reader, limit int64, storages *storageTable) (any, int64, error) {
	data, err := scanPickle(r, limit)
	if err != nil {
		return nil, 0, err
	}
	v, err := unpickle(data, storages)
	return v, int64(len(data)), err
}

// storageTable resolves the persistent IDs of one checkpoint, so that every
// tensor on a storage shares one *storage.
type storageTable struct {
	roots map[string]*storage
	views map[string]*storage
}

func newStorageTable() *storageTable {
	return &storageTable{roots: map[string]*storage{}, views: map[string]*storage{}}
}

// persistentLoad takes ('storage', storage_type, key, location, numel) (zip)
// or the same with a sixth view_metadata item, None or (view_key, offset,
// view_size) (legacy): torch/serialization.py, persistent_id and
// persistent_load. The location is ignored: storages load on the CPU.
func (t *storageTable) persistentLoad(pid any) (any, error) {
	tup, ok := pid.(*types.Tuple)
	if !ok || (len(*tup) != 5 && len(*tup) != 6) {
		return nil, fmt.Errorf("persistent ID is %s, want a 5- or 6-tuple ('storage', type, key, location, numel[, view])", describe(pid))
	}
	if kind, _ := (*tup)[0].(string); kind != "storage" {
		return nil, fmt.Errorf("persistent ID of kind %s, want 'storage'", describe((*tup)[0]))
	}
	class, ok := (*tup)[1].(*storageClass)
	if !ok {
		return nil, fmt.Errorf("storage type is %s, not one of torch's Float/Double/Half/BFloat16/Long/Int/Short/Char/Byte/Bool storages", describe((*tup)[1]))
	}
	key, ok := (*tup)[2].(string)
	if !ok {
		return nil, fmt.Errorf("storage key is %s, not a string", describe((*tup)[2]))
	}
	numel, ok := (*tup)[4].(int)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %q: size is %s, not a non-negative int", key, describe((*tup)[4]))
	}
	st := t.roots[key]
	switch {
	case st == nil:
		st = &storage{key: key, dtype: class.dtype, numel: int64(numel)}
		t.roots[key] = st
	case st.dtype != class.dtype || st.numel != int64(numel):
		return nil, fmt.Errorf("storage %q is declared twice: %d %s, then %d %s",
			key, st.numel, st.dtype.name, numel, class.dtype.name)
	}
	if len(*tup) == 5 || (*tup)[5] == nil {
		return st, nil
	}
	return t.view(st, (*tup)[5])
}

// view resolves legacy view metadata (view_key, offset, view_size).
func (t *storageTable) view(root *storage, meta any) (*storage, error) {
	m, ok := meta.(*types.Tuple)
	if !ok || len(*m) != 3 {
		return nil, fmt.Errorf("storage %q: view metadata is %s, want (key, offset, size)", root.key, describe(meta))
	}
	key, ok1 := (*m)[0].(string)
	off, ok2 := (*m)[1].(int)
	n, ok3 := (*m)[2].(int)
	if !ok1 || !ok2 || !ok3 || off < 0 || n < 0 {
		return nil, fmt.Errorf("storage %q: view metadata %s holds %s, %s, %s; want a string and two non-negative ints",
			root.key, describe(meta), describe((*m)[0]), describe((*m)[1]), describe((*m)[2]))
	}
	if int64(off) > root.numel || int64(n) > root.numel-int64(off) {
		return nil, fmt.Errorf("storage %q holds %d values, view %q needs %d to %d", root.key, root.numel, key, off, int64(off)+int64(n))
	}
	if v := t.views[key]; v != nil {
		if v.root != root || v.off != int64(off) || v.numel != int64(n) {
			return nil, fmt.Errorf("storage view %q is declared twice, differently", key)
		}
		return v, nil
	}
	v := &storage{key: key, dtype: root.dtype, numel: int64(n), root: root, off: int64(off)}
	t.views[key] = v
	return v, nil
}
