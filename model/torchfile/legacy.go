package torchfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"

	"github.com/nlpodyssey/gopickle/types"
)

// Constants of the legacy format (torch/serialization.py: MAGIC_NUMBER,
// PROTOCOL_VERSION).
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

const legacyProtocol = 1001

// openLegacy reads the pickles of a legacy torch.save file and locates its
// storages: _legacy_save writes magic, protocol version, sys_info, the
// object, the sorted storage keys, then for each key an int64 element count
// and the elements (THStorage writeFileRaw / _write_file).
func openLegacy(r io.ReaderAt, size int64) (*checkpoint, error) {
	br := bufio.NewReader(io.NewSectionReader(r, 0, size))
	var pos int64
	next := func(part string, table *storageTable) (any, error) {
		v, n, err := readPickle(br, size-pos, table)
		if err != nil {
			return nil, fmt.Errorf("%s pickle at byte %d: %w", part, pos, err)
		}
		pos += n
		return v, nil
	}

	v, err := next("magic number", nil)
	if err != nil {
		return nil, fmt.Errorf("not a PyTorch checkpoint (no zip header; legacy format: %w)", err)
	}
	if m, ok := v.(*big.Int); !ok || m.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("not a PyTorch checkpoint (no zip header; legacy format: magic number is %s, want 0x%x)", describeNumber(v), legacyMagic)
	}
	if v, err = next("protocol version", nil); err != nil {
		return nil, err
	}
	if p, ok := v.(int); !ok || p != legacyProtocol {
		return nil, fmt.Errorf("protocol version is %s, want %d", describe(v), legacyProtocol)
	}
	if v, err = next("sys_info", nil); err != nil {
		return nil, err
	}
	ck := &checkpoint{storages: newStorageTable(), order: binary.LittleEndian}
	items, ok := dictItems(v)
	little, found := false, false
	for _, it := range items {
		if k, _ := it.key.(string); k == "little_endian" {
			little, found = it.value.(bool)
		}
	}
	if !ok || !found {
		return nil, fmt.Errorf("sys_info is %s without a boolean little_endian entry", describe(v))
	}
	if !little {
		ck.order = binary.BigEndian
	}
	if ck.root, err = next("object", ck.storages); err != nil {
		return nil, err
	}
	if v, err = next("storage keys", nil); err != nil {
		return nil, err
	}
	keys, ok := v.(*types.List)
	if !ok {
		return nil, fmt.Errorf("storage keys pickle holds %s, not a list", describe(v))
	}

	for i, k := range *keys {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("storage key %d is %s, not a string", i, describe(k))
		}
		st := ck.storages.roots[key]
		if st == nil {
			return nil, fmt.Errorf("storage keys name %q, which no tensor uses (so its type is unknown)", key)
		}
		if st.inFile {
			return nil, fmt.Errorf("storage keys name %q twice", key)
		}
		var head [8]byte
		if size-pos < 8 {
			return nil, fmt.Errorf("storage %q at byte %d: %w: element count needs 8 bytes, %d left", key, pos, errTruncated, size-pos)
		}
		if err := readAt(r, head[:], pos); err != nil {
			return nil, fmt.Errorf("storage %q at byte %d: %w", key, pos, err)
		}
		count := int64(ck.order.Uint64(head[:]))
		if count != st.numel {
			return nil, fmt.Errorf("storage %q at byte %d: file holds %d values, the object pickle declares %d", key, pos, count, st.numel)
		}
		left := min(size-pos-8, math.MaxInt) // a storage must fit in memory, also on 32-bit boards
		if count > left/int64(st.dtype.size) {
			return nil, fmt.Errorf("storage %q at byte %d: %w: %d %s values need %d bytes, %d left",
				key, pos, errTruncated, count, st.dtype.name, satMul(count, int64(st.dtype.size)), left)
		}
		st.fileOff, st.inFile = pos+8, true
		pos += 8 + count*int64(st.dtype.size)
	}
	ck.raw = func(st *storage) ([]byte, error) {
		if !st.inFile {
			return nil, fmt.Errorf("storage %q is used by a tensor but missing from the storage keys", st.key)
		}
		buf := make([]byte, st.numel*int64(st.dtype.size))
		if err := readAt(r, buf, st.fileOff); err != nil {
			return nil, fmt.Errorf("storage %q at byte %d: %w", st.key, st.fileOff-8, err)
		}
		return buf, nil
	}
	return ck, nil
}

func describeNumber(v any) string {
	if b, ok := v.(*big.Int); ok {
		return fmt.Sprintf("0x%x", b)
	}
	return describe(v)
}

// readAt fills buf from off; io.ReaderAt may report io.EOF along with a full
// buffer that ends the input.
func readAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
