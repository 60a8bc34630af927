package hdf5

import (
	"fmt"
	"strings"
)

// Attr is an attribute: a small named array stored in an object header.
type Attr struct {
	Name  string
	Type  Datatype
	shape []uint64
	null  bool
	data  []byte
	f     *File
	what  string
}

// attrSet holds an object's attributes, or why they cannot be read.
type attrSet struct {
	items []*Attr
	dense error // attributes in dense storage: reported when asked for
}

func (s attrSet) get(o *object, name string) (*Attr, error) {
	for _, a := range s.items {
		if a.Name == name {
			return a, nil
		}
	}
	if s.dense != nil {
		return nil, s.dense
	}
	names := make([]string, len(s.items))
	for i, a := range s.items {
		names[i] = a.Name
	}
	return nil, fmt.Errorf("hdf5: %s has no attribute %q (attributes: %s)", o.path, name, preview(names))
}

func (s attrSet) list(*object) ([]*Attr, error) {
	if s.dense != nil {
		return nil, s.dense
	}
	return append([]*Attr(nil), s.items...), nil
}

// attributes parses the attribute messages of an object. An attribute info
// message (section IV.A.2.v) whose fractal heap address is defined means
// further attributes live in dense storage, which is not supported: asking
// for any attribute then returns that error.
func (o *object) attributes() (attrSet, error) {
	var s attrSet
	for _, m := range o.msgs {
		switch m.typ {
		case msgAttribute:
			a, err := o.parseAttribute(m)
			if err != nil {
				return s, err
			}
			s.items = append(s.items, a)
		case msgAttrInfo:
			d := o.f.dec(m.data, "hdf5: "+o.path+": attribute info message")
			if v := d.u8(); v != 0 {
				d.fail("version %d, want 0", v)
			}
			if d.u8()&1 != 0 {
				d.skip(2) // maximum creation index
			}
			heap := d.addr()
			if d.err != nil {
				return s, d.err
			}
			if heap != undef {
				s.dense = o.errorf("message type 0x15 (attribute info) at %#x: attributes in dense storage (fractal heap at %#x) are not supported", m.at, heap)
			}
		}
	}
	return s, nil
}

// parseAttribute reads an attribute message (section IV.A.2.m). Version 1:
// version, reserved, name size, datatype size, dataspace size, then name,
// datatype and dataspace each padded to 8 bytes. Version 2 adds flags in place
// of the reserved byte and drops the padding; version 3 adds the name's
// character set. The sizes include the name's null terminator.
func (o *object) parseAttribute(m message) (*Attr, error) {
	d := o.f.dec(m.data, fmt.Sprintf("hdf5: %s: attribute message at %#x", o.path, m.at))
	v, flags := d.u8(), d.u8()
	nameLen, typeLen, spaceLen := int(d.u16()), int(d.u16()), int(d.u16())
	if v == 3 {
		d.skip(1)
	}
	if v < 1 || v > 3 {
		d.fail("version %d not supported", v)
	}
	if v > 1 && flags&3 != 0 {
		d.fail("shared datatype or dataspace not supported")
	}
	pad := func(n int) int {
		if v == 1 {
			return (n + 7) &^ 7
		}
		return n
	}
	name := d.bytes(pad(nameLen))
	typ := d.bytes(pad(typeLen))
	space := d.bytes(pad(spaceLen))
	if d.err != nil {
		return nil, d.err
	}
	if nameLen == 0 || name[nameLen-1] != 0 {
		return nil, fmt.Errorf("%s: name is not null-terminated", d.what)
	}
	a := &Attr{Name: string(name[:nameLen-1]), f: o.f}
	a.what = fmt.Sprintf("%s attribute %q", o.path, a.Name)
	var err error
	if a.Type, err = o.f.parseDatatype(typ[:typeLen], "hdf5: "+a.what); err != nil {
		return nil, err
	}
	if a.shape, a.null, err = o.f.parseDataspace(space[:spaceLen], "hdf5: "+a.what); err != nil {
		return nil, err
	}
	n, err := count(a.shape, a.Type.Size, a.what)
	if err != nil {
		return nil, err
	}
	if a.null {
		n = 0
	}
	if a.data = d.bytes(int(n) * a.Type.Size); d.err != nil {
		return nil, fmt.Errorf("%s: data: %w", a.what, d.err)
	}
	return a, nil
}

// Shape is the attribute's dimensions; empty for a scalar.
func (a *Attr) Shape() []int { return ints(a.shape) }

// Strings decodes a string attribute (fixed or variable length, scalar or
// array) into one Go string per element, padding removed.
func (a *Attr) Strings() ([]string, error) { return a.f.strings(a.Type, a.data, a.what) }

// Text decodes a scalar (or one-element) string attribute.
func (a *Attr) Text() (string, error) {
	s, err := a.Strings()
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", fmt.Errorf("hdf5: %s holds %d strings, want 1", a.what, len(s))
	}
	return s[0], nil
}

// Float64s decodes a numeric attribute.
func (a *Attr) Float64s() ([]float64, error) { return a.Type.float64s(a.data, a.what) }

// strings decodes fixed-length strings (section IV.A.2.d, class 3) or
// variable-length ones held in global heaps. An empty array of any type is
// an empty list (h5py writes an empty list of names as float64[0]).
func (f *File) strings(t Datatype, raw []byte, what string) ([]string, error) {
	switch {
	case len(raw) == 0:
		return []string{}, nil
	case t.VarString:
		out := make([]string, len(raw)/t.Size)
		for i := range out {
			d := f.dec(raw[i*t.Size:(i+1)*t.Size], "hdf5: "+what)
			n := d.u32()
			coll, idx := d.addr(), d.u32()
			if d.err != nil {
				return nil, d.err
			}
			if n == 0 && (coll == 0 || coll == undef) {
				continue // empty or unset string
			}
			obj, err := f.globalObject(coll, idx, what)
			if err != nil {
				return nil, err
			}
			if uint64(n) > uint64(len(obj)) {
				return nil, fmt.Errorf("hdf5: %s: string of %d bytes in a heap object of %d", what, n, len(obj))
			}
			out[i] = strings.TrimRight(string(obj[:n]), "\x00")
		}
		return out, nil
	case t.Class == ClassString:
		out := make([]string, len(raw)/t.Size)
		for i := range out {
			s := string(raw[i*t.Size : (i+1)*t.Size])
			if j := strings.IndexByte(s, 0); j >= 0 {
				s = s[:j]
			}
			out[i] = strings.TrimRight(s, " ")
		}
		return out, nil
	}
	return nil, fmt.Errorf("hdf5: %s holds %v, not strings", what, t)
}

func ints(dims []uint64) []int {
	out := make([]int, len(dims))
	for i, v := range dims {
		out[i] = int(v)
	}
	return out
}
