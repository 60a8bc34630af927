package hdf5

import (
	"fmt"
	"strings"
)

// Group is an HDF5 group: named links to other objects, and attributes.
type Group struct {
	obj   *object
	names []string          // in storage order
	links map[string]uint64 // hard links: name -> object header address
	soft  map[string]string // soft and external links, kept to name them in errors
	attrs attrSet
}

// group interprets an object as a group: old style (symbol table message,
// section IV.A.2.r) or new style (link messages, IV.A.2.g, optionally with a
// link info message, IV.A.2.c).
func (o *object) group() (*Group, error) {
	g := &Group{obj: o, links: map[string]uint64{}, soft: map[string]string{}}
	var err error
	if g.attrs, err = o.attributes(); err != nil {
		return nil, err
	}
	isGroup := false
	for _, m := range o.msgs {
		switch m.typ {
		case msgSymbolTable:
			isGroup = true
			d := o.f.dec(m.data, "hdf5: "+o.path+": symbol table message")
			btree, heap := d.addr(), d.addr()
			if d.err != nil {
				return nil, d.err
			}
			if err := g.readSymbolTable(btree, heap); err != nil {
				return nil, err
			}
		case msgLinkInfo:
			isGroup = true
			if err := g.checkLinkInfo(m); err != nil {
				return nil, err
			}
		case msgLink:
			isGroup = true
			if err := g.readLink(m); err != nil {
				return nil, err
			}
		}
	}
	if !isGroup {
		if o.find(msgLayout) != nil {
			return nil, o.errorf("is a dataset, not a group")
		}
		return nil, o.errorf("is not a group (no symbol table, link or link info message)")
	}
	return g, nil
}

func (g *Group) add(name string, addr uint64) error {
	if _, dup := g.links[name]; dup || name == "" {
		return g.obj.errorf("link name %q is empty or repeated", name)
	}
	g.names = append(g.names, name)
	g.links[name] = addr
	return nil
}

// checkLinkInfo refuses dense link storage (section IV.A.2.c): links kept in
// a fractal heap indexed by a v2 B-tree, which libhdf5 uses past 8 links.
func (g *Group) checkLinkInfo(m message) error {
	d := g.obj.f.dec(m.data, "hdf5: "+g.obj.path+": link info message")
	if v := d.u8(); v != 0 {
		d.fail("version %d, want 0", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		d.skip(8) // maximum creation index
	}
	heap := d.addr()
	if d.err != nil {
		return d.err
	}
	if heap != undef {
		return g.obj.errorf("message type 0x2 (link info) at %#x: links in dense storage (fractal heap at %#x) are not supported", m.at, heap)
	}
	return nil
}

// readLink parses a link message (section IV.A.2.g): version 1, flags, then
// optional link type, creation order and name character set, the name length
// in 1 to 8 bytes, the name, and the link's target.
func (g *Group) readLink(m message) error {
	d := g.obj.f.dec(m.data, "hdf5: "+g.obj.path+": link message")
	if v := d.u8(); v != 1 {
		d.fail("version %d, want 1", v)
	}
	flags := d.u8()
	kind := uint8(0)
	if flags&0x08 != 0 {
		kind = d.u8()
	}
	if flags&0x04 != 0 {
		d.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		d.skip(1) // name character set
	}
	n := d.uint(1 << (flags & 3))
	if n > uint64(d.left()) {
		d.fail("name length %d exceeds the message", n)
	}
	name := string(d.bytes(int(n)))
	switch kind {
	case 0:
		addr := d.addr()
		if d.err != nil {
			return d.err
		}
		return g.add(name, addr)
	case 1, 64:
		what := "soft link to " + string(d.bytes(int(d.u16())))
		if kind == 64 {
			what = "external link"
		}
		if d.err != nil {
			return d.err
		}
		if err := g.add(name, undef); err != nil {
			return err
		}
		g.soft[name] = what
		return nil
	}
	if d.err != nil {
		return d.err
	}
	return g.obj.errorf("link %q at %#x has type %d, not supported", name, m.at, kind)
}

// Path is the group's path from the root, "/" for the root itself.
func (g *Group) Path() string { return g.obj.path }

// Members lists the names linked from the group, in storage order (name order
// for symbol tables, creation order for link messages).
func (g *Group) Members() []string { return append([]string(nil), g.names...) }

// Attr returns the named attribute.
func (g *Group) Attr(name string) (*Attr, error) { return g.attrs.get(g.obj, name) }

// Attrs lists the group's attributes.
func (g *Group) Attrs() ([]*Attr, error) { return g.attrs.list(g.obj) }

// Group opens a group by a path relative to g ("a/b"), or from the root when
// the path starts with "/".
func (g *Group) Group(path string) (*Group, error) {
	o, err := g.walk(path)
	if err != nil {
		return nil, err
	}
	return o.group()
}

// Dataset opens a dataset by path, as Group does a group.
func (g *Group) Dataset(path string) (*Dataset, error) {
	o, err := g.walk(path)
	if err != nil {
		return nil, err
	}
	return o.dataset()
}

// maxDepth bounds path walks (a path cannot be longer than this many names).
const maxDepth = 256

func (g *Group) walk(path string) (*object, error) {
	cur := g
	if strings.HasPrefix(path, "/") {
		cur = g.obj.f.root
	}
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(parts) == 0 {
		return cur.obj, nil
	}
	if len(parts) > maxDepth {
		return nil, fmt.Errorf("hdf5: path %q has more than %d parts", path, maxDepth)
	}
	for i, name := range parts {
		addr, ok := cur.links[name]
		if !ok {
			return nil, fmt.Errorf("hdf5: %s has no member %q (members: %s)", cur.obj.path, name, preview(cur.names))
		}
		if what, soft := cur.soft[name]; soft {
			return nil, fmt.Errorf("hdf5: %s/%s is a %s: only hard links are followed", strings.TrimSuffix(cur.obj.path, "/"), name, what)
		}
		o, err := g.obj.f.object(addr, strings.TrimSuffix(cur.obj.path, "/")+"/"+name)
		if err != nil {
			return nil, err
		}
		if i == len(parts)-1 {
			return o, nil
		}
		if cur, err = o.group(); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("hdf5: path %q: empty", path)
}

func preview(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(", ... (%d in all)", len(names))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
