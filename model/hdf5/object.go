package hdf5

import (
	"fmt"
)

// Header message types (section IV.A.2, "Common Header Message Format").
const (
	msgNIL          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgBogus        = 0x09
	msgGroupInfo    = 0x0A
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgComment      = 0x0D
	msgMtimeOld     = 0x0E
	msgSharedTable  = 0x0F
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgMtime        = 0x12
	msgBTreeK       = 0x13
	msgDriverInfo   = 0x14
	msgAttrInfo     = 0x15
	msgRefCount     = 0x16
	msgFileSpace    = 0x17
)

var msgNames = map[uint16]string{
	msgNIL: "NIL", msgDataspace: "dataspace", msgLinkInfo: "link info", msgDatatype: "datatype",
	msgFillOld: "fill value (old)", msgFill: "fill value", msgLink: "link", msgExternal: "external data files",
	msgLayout: "data layout", msgBogus: "bogus", msgGroupInfo: "group info", msgFilters: "filter pipeline",
	msgAttribute: "attribute", msgComment: "object comment", msgMtimeOld: "modification time (old)",
	msgSharedTable: "shared message table", msgContinuation: "object header continuation",
	msgSymbolTable: "symbol table", msgMtime: "modification time", msgBTreeK: "B-tree K values",
	msgDriverInfo: "driver info", msgAttrInfo: "attribute info", msgRefCount: "object reference count",
	msgFileSpace: "file space info",
}

func msgName(t uint16) string {
	if n, ok := msgNames[t]; ok {
		return n
	}
	return "unknown"
}

// message is one header message with the file address of its data.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	at    uint64
}

// object is a parsed object header: its messages, continuation blocks included.
type object struct {
	f    *File
	addr uint64
	path string
	msgs []message
	seen int // messages of any type, continuation and NIL included
}

// Limits that keep a corrupt header from looping or growing without bound.
const (
	maxHeaderChunks = 1 << 12
	maxMessages     = 1 << 16
)

func (o *object) errorf(format string, args ...any) error {
	return fmt.Errorf("hdf5: %s (object header at %#x): %s", o.path, o.addr, fmt.Sprintf(format, args...))
}

// object reads the object header at addr (section IV.A.1), version 1 or 2.
func (f *File) object(addr uint64, path string) (*object, error) {
	o := &object{f: f, addr: addr, path: path}
	head, err := f.readUpTo(addr, 40, path+": object header")
	if err != nil {
		return nil, err
	}
	if len(head) >= 4 && string(head[:4]) == "OHDR" {
		err = o.readV2(head)
	} else if len(head) >= 1 && head[0] == 1 {
		err = o.readV1(head)
	} else {
		return nil, o.errorf("not an object header (version byte %#x, no OHDR signature)", head[0])
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

type chunk struct{ addr, size uint64 }

// readV1 parses a version 1 object header (section IV.A.1.a): a 16-byte
// prefix (version, reserved, message count, reference count, header size,
// padding to 8) and messages of 8-byte headers, each aligned to 8 bytes.
func (o *object) readV1(head []byte) error {
	d := o.f.dec(head, "hdf5: "+o.path+": object header")
	d.skip(2)
	count := int(d.u16())
	d.skip(4)
	size := uint64(d.u32())
	if d.err != nil {
		return d.err
	}
	queue := []chunk{{o.addr + 16, size}}
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] || len(seen) >= maxHeaderChunks {
			return o.errorf("continuation blocks loop or exceed %d", maxHeaderChunks)
		}
		seen[c.addr] = true
		b, err := o.f.read(c.addr, c.size, o.path+": object header block")
		if err != nil {
			return err
		}
		d := o.f.dec(b, fmt.Sprintf("hdf5: %s: object header block at %#x", o.path, c.addr))
		for d.left() >= 8 && o.seen < count {
			typ, n, flags := d.u16(), int(d.u16()), d.u8()
			d.skip(3)
			at := c.addr + uint64(d.off)
			data := d.bytes(n)
			if d.err != nil {
				return d.err
			}
			more, err := o.add(typ, flags, data, at)
			if err != nil {
				return err
			}
			queue = append(queue, more...)
		}
	}
	if o.seen != count {
		return o.errorf("header announces %d messages, found %d", count, o.seen)
	}
	return nil
}

// readV2 parses a version 2 object header (section IV.A.1.b): "OHDR",
// version, flags, optional times and attribute thresholds, the size of chunk
// 0, messages with 4- or 6-byte headers, and a lookup3 checksum. Continuation
// blocks start with "OCHK" and end with a checksum as well.
func (o *object) readV2(head []byte) error {
	d := o.f.dec(head, "hdf5: "+o.path+": object header")
	d.skip(4)
	if v := d.u8(); v != 2 {
		return o.errorf("object header version %d after OHDR, want 2", v)
	}
	flags := d.u8()
	if flags&0x20 != 0 {
		d.skip(16) // access, modification, change and birth times
	}
	if flags&0x10 != 0 {
		d.skip(4) // attribute phase change thresholds
	}
	size := d.uint(1 << (flags & 3))
	if d.err != nil {
		return d.err
	}
	prefix := uint64(d.off)
	if size > uint64(o.f.size) {
		return o.errorf("chunk 0 size %d exceeds the file", size)
	}
	first, err := o.f.read(o.addr, prefix+size+4, o.path+": object header")
	if err != nil {
		return err
	}
	if !checkSum(first) {
		return o.errorf("checksum mismatch (corrupt header)")
	}
	queue, err := o.messagesV2(first[prefix:prefix+size], o.addr+prefix, flags)
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] || len(seen) >= maxHeaderChunks {
			return o.errorf("continuation blocks loop or exceed %d", maxHeaderChunks)
		}
		seen[c.addr] = true
		b, err := o.f.read(c.addr, c.size, o.path+": object header continuation")
		if err != nil {
			return err
		}
		if len(b) < 8 || string(b[:4]) != "OCHK" {
			return o.errorf("continuation block at %#x lacks its OCHK signature", c.addr)
		}
		if !checkSum(b) {
			return o.errorf("continuation block at %#x: checksum mismatch", c.addr)
		}
		more, err := o.messagesV2(b[4:len(b)-4], c.addr+4, flags)
		if err != nil {
			return err
		}
		queue = append(queue, more...)
	}
	return nil
}

func (o *object) messagesV2(b []byte, addr uint64, flags uint8) ([]chunk, error) {
	hdr := 4
	if flags&0x04 != 0 {
		hdr = 6 // attribute creation order field
	}
	d := o.f.dec(b, fmt.Sprintf("hdf5: %s: object header block at %#x", o.path, addr))
	var queue []chunk
	// Fewer bytes than a message header left over is a gap (IV.A.1.b).
	for d.left() >= hdr {
		typ, n, mflags := uint16(d.u8()), int(d.u16()), d.u8()
		d.skip(hdr - 4)
		at := addr + uint64(d.off)
		data := d.bytes(n)
		if d.err != nil {
			return nil, d.err
		}
		more, err := o.add(typ, mflags, data, at)
		if err != nil {
			return nil, err
		}
		queue = append(queue, more...)
	}
	return queue, nil
}

// add records a message, or returns the block a continuation message points to.
func (o *object) add(typ uint16, flags uint8, data []byte, at uint64) ([]chunk, error) {
	o.seen++
	if o.seen > maxMessages {
		return nil, o.errorf("more than %d header messages", maxMessages)
	}
	if flags&0x02 != 0 {
		return nil, o.errorf("message type %#x (%s) at %#x is shared (stored elsewhere): shared messages are not supported", typ, msgName(typ), at)
	}
	switch typ {
	case msgContinuation:
		// Section IV.A.2.q: offset and length of the next block.
		d := o.f.dec(data, "hdf5: "+o.path+": continuation message")
		c := chunk{d.addr(), d.length()}
		return []chunk{c}, d.err
	case msgNIL, msgFillOld, msgFill, msgBogus, msgGroupInfo, msgComment, msgMtimeOld, msgMtime,
		msgBTreeK, msgRefCount:
		return nil, nil // nothing a reader of values needs
	case msgDataspace, msgLinkInfo, msgDatatype, msgLink, msgLayout, msgFilters, msgAttribute,
		msgSymbolTable, msgAttrInfo:
		o.msgs = append(o.msgs, message{typ, flags, data, at})
		return nil, nil
	}
	return nil, o.errorf("message type %#x (%s) at %#x is not supported", typ, msgName(typ), at)
}

// find returns the first message of a type, or nil.
func (o *object) find(typ uint16) *message {
	for i := range o.msgs {
		if o.msgs[i].typ == typ {
			return &o.msgs[i]
		}
	}
	return nil
}
