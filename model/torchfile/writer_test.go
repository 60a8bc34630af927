package torchfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// This file writes checkpoints the way torch.save does, so that tests can
// make files with exactly the defect they need. The pickles follow what
// torch 1.13 emits (see testdata/*.th and pickletools.dis on them).

// fakeTensor is one state-dict entry: a strided view of a storage.
type fakeTensor struct {
	name        string
	class       string // storage class, e.g. "FloatStorage"
	key         string // storage key
	numel       int    // the storage's declared element count
	off         int
	size        []int
	stride      []int // nil: contiguous
	notATensor  bool  // write the int 7 instead of a tensor
	legacyTuple bool  // _rebuild_tensor with 4 arguments (torch < 0.4)
}

type fakeCheckpoint struct {
	tensors  []fakeTensor
	storages map[string][]byte // raw bytes by key
	wrap     string            // "": bare state dict, else the key holding it
	// countError is added to the element count of the first storage in a
	// legacy file.
	countError int
	// bigEndian writes storages (and legacy counts) big-endian, as torch
	// does on a big-endian machine, and says so.
	bigEndian bool
}

// fromWeights stores each tensor as float32 in its own storage.
func fromWeights(w model.Weights) *fakeCheckpoint {
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	slices.Sort(names)
	ck := &fakeCheckpoint{storages: map[string][]byte{}}
	for i, name := range names {
		t := w[name]
		key := strconv.Itoa(i)
		ck.tensors = append(ck.tensors, fakeTensor{name: name, class: "FloatStorage", key: key, numel: len(t.Data), size: t.Shape})
		ck.storages[key] = float32Bytes(t.Data)
	}
	return ck
}

func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

type pickler struct{ bytes.Buffer }

func (p *pickler) op(b ...byte) { p.Write(b) }

func (p *pickler) str(s string) {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
}

func (p *pickler) int(n int) {
	p.WriteByte('J')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(n))))
}

func (p *pickler) global(module, name string) { p.WriteString("c" + module + "\n" + name + "\n") }

func (p *pickler) ints(v []int) {
	p.op('(')
	for _, n := range v {
		p.int(n)
	}
	p.op('t')
}

// objectPickle is the state dict pickle; legacy adds view_metadata None to
// the persistent IDs, as _legacy_save does.
func (ck *fakeCheckpoint) objectPickle(legacy bool) []byte {
	var p pickler
	p.op(0x80, 2)
	if ck.wrap != "" {
		p.op('}', '(')
		p.str("epoch")
		p.int(3)
		p.str(ck.wrap)
	}
	p.global("collections", "OrderedDict")
	p.op(')', 'R', '(')
	for _, t := range ck.tensors {
		p.str(t.name)
		if t.notATensor {
			p.int(7)
			continue
		}
		if t.legacyTuple {
			p.global("torch._utils", "_rebuild_tensor")
		} else {
			p.global("torch._utils", "_rebuild_tensor_v2")
		}
		p.op('(', '(')
		p.str("storage")
		p.global("torch", t.class)
		p.str(t.key)
		p.str("cuda:0")
		p.int(t.numel)
		if legacy {
			p.op('N')
		}
		p.op('t', 'Q')
		p.int(t.off)
		p.ints(t.size)
		stride := t.stride
		if stride == nil {
			stride = make([]int, len(t.size))
			step := 1
			for i := len(t.size) - 1; i >= 0; i-- {
				stride[i] = step
				step *= t.size[i]
			}
		}
		p.ints(stride)
		if !t.legacyTuple {
			p.op(0x89, '}')
		}
		p.op('t', 'R')
	}
	p.op('u')
	if ck.wrap != "" {
		p.op('u')
	}
	p.op('.')
	return p.Bytes()
}

// storageKeys lists the keys in first-use order, each once.
func (ck *fakeCheckpoint) storageKeys() []string {
	var keys []string
	for _, t := range ck.tensors {
		if !t.notATensor && !slices.Contains(keys, t.key) {
			keys = append(keys, t.key)
		}
	}
	return keys
}

func (ck *fakeCheckpoint) zip(t testing.TB, top string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: top + "/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add("data.pkl", ck.objectPickle(false))
	for _, k := range ck.storageKeys() {
		add("data/"+k, ck.raw(k))
	}
	if ck.bigEndian {
		add("byteorder", []byte("big"))
	}
	add("version", []byte("3\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (ck *fakeCheckpoint) legacy() []byte {
	var out bytes.Buffer
	// Magic number 0x1950a86a20f9469cfc6c as LONG1, little-endian bytes.
	out.Write([]byte{0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'})
	out.Write([]byte{0x80, 2, 'M', 0xe9, 0x03, '.'}) // 1001
	var p pickler
	p.op(0x80, 2, '}', '(')
	p.str("protocol_version")
	p.int(1001)
	p.str("little_endian")
	if ck.bigEndian {
		p.op(0x89, 'u', '.')
	} else {
		p.op(0x88, 'u', '.')
	}
	out.Write(p.Bytes())
	out.Write(ck.objectPickle(true))
	keys := ck.storageKeys()
	p.Reset()
	p.op(0x80, 2, ']', '(')
	for _, k := range keys {
		p.str(k)
	}
	p.op('e', '.')
	out.Write(p.Bytes())
	for _, k := range keys {
		raw := ck.raw(k)
		var numel int
		for _, t := range ck.tensors {
			if t.key == k {
				numel = t.numel
			}
		}
		if k == keys[0] {
			numel += ck.countError
		}
		if ck.bigEndian {
			out.Write(binary.BigEndian.AppendUint64(nil, uint64(numel)))
		} else {
			out.Write(binary.LittleEndian.AppendUint64(nil, uint64(numel)))
		}
		out.Write(raw)
	}
	return out.Bytes()
}

// raw returns a storage's bytes in the file's byte order.
func (ck *fakeCheckpoint) raw(key string) []byte {
	b := ck.storages[key]
	if !ck.bigEndian {
		return b
	}
	size := 4
	for _, t := range ck.tensors {
		if t.key == key {
			size = dtypes[t.class].size
		}
	}
	b = bytes.Clone(b)
	for i := 0; i+size <= len(b); i += size {
		slices.Reverse(b[i : i+size])
	}
	return b
}
