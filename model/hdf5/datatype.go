package hdf5

import (
	"encoding/binary"
	"fmt"
	"github.com/x448/float16"
	"math"
)

// Class is a datatype class (section IV.A.2.d, "Datatype Message").
type Class uint8

const (
	ClassFixed  Class = 0 // fixed-point (integers)
	ClassFloat  Class = 1
	ClassString Class = 3 // fixed-length string
	ClassVarLen Class = 9 // variable-length sequence or string
)

var classNames = [...]string{"fixed-point", "floating-point", "time", "string", "bitfield", "opaque",
	"compound", "reference", "enumerated", "variable-length", "array"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class %d", uint8(c))
}

// Datatype describes the elements of a dataset or attribute.
type Datatype struct {
	Class     Class
	Size      int  // bytes per element as stored in the file
	BigEndian bool // fixed- and floating-point byte order
	Signed    bool // fixed-point
	// VarString marks a variable-length string: each element is a reference
	// into a global heap.
	VarString bool
}

func (t Datatype) String() string {
	switch {
	case t.VarString:
		return "variable-length string"
	case t.Class == ClassString:
		return fmt.Sprintf("string[%d]", t.Size)
	case t.Class == ClassFloat || t.Class == ClassFixed:
		order := "LE"
		if t.BigEndian {
			order = "BE"
		}
		kind := "float"
		if t.Class == ClassFixed {
			kind = "uint"
			if t.Signed {
				kind = "int"
			}
		}
		return fmt.Sprintf("%s%d %s", kind, 8*t.Size, order)
	}
	return t.Class.String()
}

// parseDatatype reads a datatype message body: class and version in one byte,
// 24 bits of class flags, the element size, then class properties.
func (f *File) parseDatatype(b []byte, what string) (Datatype, error) {
	d := f.dec(b, what+": datatype")
	cv := d.u8()
	bits := uint32(d.u8()) | uint32(d.u8())<<8 | uint32(d.u8())<<16
	t := Datatype{Class: Class(cv & 0x0f), Size: int(d.u32())}
	if d.err != nil {
		return t, d.err
	}
	if v := cv >> 4; v < 1 || v > 4 {
		return t, fmt.Errorf("%s: version %d not supported", d.what, v)
	}
	switch t.Class {
	case ClassFixed:
		// Bit 0 byte order, bit 3 signed; properties: bit offset, precision.
		t.BigEndian, t.Signed = bits&1 != 0, bits&8 != 0
		off, prec := d.u16(), d.u16()
		if d.err != nil {
			return t, d.err
		}
		if (t.Size != 1 && t.Size != 2 && t.Size != 4 && t.Size != 8) || off != 0 || int(prec) != 8*t.Size {
			return t, fmt.Errorf("%s: %d-byte integer with bit offset %d and precision %d not supported", d.what, t.Size, off, prec)
		}
	case ClassFloat:
		// Bits 0 and 6 byte order (bit 6 set is VAX order); properties: bit
		// offset, precision, exponent location and size, mantissa location
		// and size, exponent bias. Only the IEEE 754 layouts are accepted.
		if bits&0x40 != 0 {
			return t, fmt.Errorf("%s: VAX byte order not supported", d.what)
		}
		t.BigEndian = bits&1 != 0
		off, prec := d.u16(), d.u16()
		eloc, esize, mloc, msize := d.u8(), d.u8(), d.u8(), d.u8()
		bias := d.u32()
		if d.err != nil {
			return t, d.err
		}
		ieee := map[int][5]uint32{2: {10, 5, 0, 10, 15}, 4: {23, 8, 0, 23, 127}, 8: {52, 11, 0, 52, 1023}}
		want, ok := ieee[t.Size]
		if !ok || off != 0 || int(prec) != 8*t.Size || want != [5]uint32{uint32(eloc), uint32(esize), uint32(mloc), uint32(msize), bias} {
			return t, fmt.Errorf("%s: %d-byte float is not IEEE 754 binary%d (exponent at %d size %d, mantissa at %d size %d, bias %d)",
				d.what, t.Size, 8*t.Size, eloc, esize, mloc, msize, bias)
		}
	case ClassString:
		// Bits 0-3 padding (null-terminated, null-padded, space-padded),
		// bits 4-7 character set; no properties.
		if pad := bits & 0x0f; pad > 2 {
			return t, fmt.Errorf("%s: string padding %d not supported", d.what, pad)
		}
	case ClassVarLen:
		// Bits 0-3: 0 sequence, 1 string; the base type follows.
		if bits&0x0f != 1 {
			return t, fmt.Errorf("%s: variable-length sequences are not supported, only strings", d.what)
		}
		t.VarString = true
		// In the file each element is a 4-byte length and a global heap ID
		// (collection address, object index): section IV.A.2.d, and III.E.
		t.Size = 4 + f.offSize + 4
	default:
		return t, fmt.Errorf("%s: %v datatype not supported", d.what, t.Class)
	}
	if t.Size < 1 {
		return t, fmt.Errorf("%s: element size %d", d.what, t.Size)
	}
	return t, nil
}

// float32s converts raw elements to float32: IEEE floats of 16, 32 or 64
// bits and integers, in either byte order.
func (t Datatype) float32s(raw []byte, what string) ([]float32, error) {
	if t.Class != ClassFloat && t.Class != ClassFixed {
		return nil, fmt.Errorf("hdf5: %s holds %v, not numbers", what, t)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if t.BigEndian {
		order = binary.BigEndian
	}
	n := len(raw) / t.Size
	out := make([]float32, n)
	for i := range out {
		e := raw[i*t.Size : (i+1)*t.Size]
		if t.Class == ClassFloat {
			switch t.Size {
			case 2:
				out[i] = float16.Frombits(order.Uint16(e)).Float32()
			case 4:
				out[i] = math.Float32frombits(order.Uint32(e))
			case 8:
				out[i] = float32(math.Float64frombits(order.Uint64(e)))
			}
			continue
		}
		var u uint64
		switch t.Size {
		case 1:
			u = uint64(e[0])
		case 2:
			u = uint64(order.Uint16(e))
		case 4:
			u = uint64(order.Uint32(e))
		case 8:
			u = order.Uint64(e)
		}
		if t.Signed {
			shift := 64 - 8*t.Size
			out[i] = float32(int64(u<<shift) >> shift)
		} else {
			out[i] = float32(u)
		}
	}
	return out, nil
}

// float64s is float32s at double precision (64-bit integers excepted).
func (t Datatype) float64s(raw []byte, what string) ([]float64, error) {
	if t.Class == ClassFloat && t.Size == 8 {
		var order binary.ByteOrder = binary.LittleEndian
		if t.BigEndian {
			order = binary.BigEndian
		}
		out := make([]float64, len(raw)/8)
		for i := range out {
			out[i] = math.Float64frombits(order.Uint64(raw[8*i:]))
		}
		return out, nil
	}
	f, err := t.float32s(raw, what)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	if t.Class == ClassFixed && t.Size >= 4 {
		// Integers wider than float32's 24-bit mantissa: convert directly.
		var order binary.ByteOrder = binary.LittleEndian
		if t.BigEndian {
			order = binary.BigEndian
		}
		for i := range out {
			e := raw[i*t.Size:]
			var u uint64
			if t.Size == 4 {
				u = uint64(order.Uint32(e))
			} else {
				u = order.Uint64(e)
			}
			if t.Signed {
				shift := 64 - 8*t.Size
				out[i] = float64(int64(u<<shift) >> shift)
			} else {
				out[i] = float64(u)
			}
		}
	}
	return out, nil
}
