package hdf5

import (
	"bytes"
	"fmt"
)

// maxTreeEntries bounds the nodes and entries one B-tree walk may visit, so
// that a corrupt tree whose children point back into it cannot make the walk
// exponential.
const maxTreeEntries = 1 << 20

// btreeV1 walks a version 1 B-tree (section III.A.1, "Version 1 B-trees"):
// "TREE", node type, level, entries used, left and right siblings, then keys
// and child pointers interleaved, key 0 first and one key more than children.
// visit is called for each leaf child with its address and the key before it.
type btreeV1 struct {
	f       *File
	typ     uint8
	keySize int
	what    string
	nodes   int
	visit   func(child uint64, key []byte) error
}

func (t *btreeV1) walk(addr uint64, wantLevel int) error {
	t.nodes++
	if t.nodes > maxTreeEntries {
		return fmt.Errorf("hdf5: %s: B-tree has more than %d nodes and entries (loop?)", t.what, maxTreeEntries)
	}
	head, err := t.f.read(addr, uint64(8+2*t.f.offSize), t.what+": B-tree node")
	if err != nil {
		return err
	}
	d := t.f.dec(head, fmt.Sprintf("hdf5: %s: B-tree node at %#x", t.what, addr))
	d.signature("TREE")
	typ, level, used := d.u8(), int(d.u8()), int(d.u16())
	if d.err != nil {
		return d.err
	}
	if typ != t.typ {
		return fmt.Errorf("%s: node type %d, want %d", d.what, typ, t.typ)
	}
	// Levels count down to the leaves at 0; each child must sit one below.
	if wantLevel >= 0 && level != wantLevel {
		return fmt.Errorf("%s: level %d, want %d", d.what, level, wantLevel)
	}
	if t.nodes += used; t.nodes > maxTreeEntries {
		return fmt.Errorf("%s: B-tree has more than %d nodes and entries (loop?)", d.what, maxTreeEntries)
	}
	entry := uint64(t.keySize + t.f.offSize)
	body, err := t.f.read(addr+uint64(len(head)), uint64(used)*entry+uint64(t.keySize), d.what)
	if err != nil {
		return err
	}
	for i := range used {
		e := body[uint64(i)*entry:]
		key := e[:t.keySize]
		cd := t.f.dec(e[t.keySize:], d.what)
		child := cd.addr()
		if level == 0 {
			if err := t.visit(child, key); err != nil {
				return err
			}
		} else if err := t.walk(child, level-1); err != nil {
			return err
		}
	}
	return nil
}

// readSymbolTable lists an old-style group: a v1 B-tree of type 0 whose leaves
// point to symbol table nodes, names held in a local heap.
func (g *Group) readSymbolTable(btree, heapAddr uint64) error {
	f := g.obj.f
	heap, err := f.localHeap(heapAddr, g.obj.path)
	if err != nil {
		return err
	}
	t := &btreeV1{f: f, typ: 0, keySize: f.lenSize, what: g.obj.path + ": group B-tree",
		visit: func(snod uint64, _ []byte) error { return g.readSymbolNode(snod, heap) }}
	return t.walk(btree, -1)
}

// readSymbolNode parses a symbol table node (section III.B, "Group Symbol
// Table Nodes"): "SNOD", version 1, reserved, symbol count, then symbol table
// entries (section III.C): name offset in the local heap, object header
// address, cache type, reserved, and a 16-byte scratch pad.
func (g *Group) readSymbolNode(addr uint64, heap []byte) error {
	f := g.obj.f
	what := fmt.Sprintf("%s: symbol table node at %#x", g.obj.path, addr)
	head, err := f.read(addr, 8, what)
	if err != nil {
		return err
	}
	d := f.dec(head, "hdf5: "+what)
	d.signature("SNOD")
	if v := d.u8(); v != 1 {
		d.fail("version %d, want 1", v)
	}
	d.skip(1)
	n := int(d.u16())
	if d.err != nil {
		return d.err
	}
	size := 2*f.offSize + 24
	body, err := f.read(addr+8, uint64(n*size), what)
	if err != nil {
		return err
	}
	d = f.dec(body, "hdf5: "+what)
	for range n {
		nameOff := d.length()
		obj := d.addr()
		d.skip(24)
		if d.err != nil {
			return d.err
		}
		if nameOff >= uint64(len(heap)) {
			return fmt.Errorf("hdf5: %s: name offset %d outside the local heap (%d bytes)", what, nameOff, len(heap))
		}
		name := heap[nameOff:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		} else {
			return fmt.Errorf("hdf5: %s: name at heap offset %d is not terminated", what, nameOff)
		}
		if err := g.add(string(name), obj); err != nil {
			return err
		}
	}
	return nil
}

// localHeap returns the data segment of a local heap (section III.D, "Local
// Heaps"): "HEAP", version 0, reserved, data segment size, free list offset,
// data segment address.
func (f *File) localHeap(addr uint64, path string) ([]byte, error) {
	what := fmt.Sprintf("%s: local heap at %#x", path, addr)
	head, err := f.read(addr, uint64(8+2*f.lenSize+f.offSize), what)
	if err != nil {
		return nil, err
	}
	d := f.dec(head, "hdf5: "+what)
	d.signature("HEAP")
	if v := d.u8(); v != 0 {
		d.fail("version %d, want 0", v)
	}
	d.skip(3)
	size := d.length()
	d.length()
	data := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	return f.read(data, size, what+" data")
}
