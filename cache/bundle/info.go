package bundle

import (
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Describe writes a human-readable account of b: identity, sections, the
// network, the cache and its mixture settings, the board memory the cache
// takes, the classes and the preprocessing.
func (b *Bundle) Describe(w io.Writer) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "bundle %q, format version %d\n", b.Meta.Name, FormatVersion)
	if b.ID != [32]byte{} {
		fmt.Fprintf(&sb, "  id (SHA-256)   %s\n", hex.EncodeToString(b.ID[:]))
	}
	if !b.Meta.Created.IsZero() {
		fmt.Fprintf(&sb, "  created        %s\n", b.Meta.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	var total uint64
	for _, s := range b.Sections {
		fmt.Fprintf(&sb, "  section %s   %d bytes at %d\n", s.Tag, s.Length, s.Offset)
		total = max(total, s.Offset+s.Length)
	}
	if total > 0 {
		fmt.Fprintf(&sb, "  file           %d bytes\n", total)
	}
	if m := b.Model; m != nil {
		fmt.Fprintf(&sb, "  network        %s: int8 ResNet-%d, %d classes\n", m.Name, m.Depth, m.Classes)
	}
	if c := b.Cache; c != nil {
		fmt.Fprintf(&sb, "  cache          %d items, keys of %d fp16 values, %s\n", c.Len(), c.Dim(), c.Spec())
		fmt.Fprintf(&sb, "  board memory   %d bytes (%.2f MiB) for lookups\n", c.Bytes(), float64(c.Bytes())/(1<<20))
		fmt.Fprintf(&sb, "  mixture        theta %.4g, lambda %.4g (CacheOnly theta %.4g)\n", c.Theta, c.Lambda, c.CacheOnlyTheta)
		lo := b.Meta.LearnOpts()
		fmt.Fprintf(&sb, "  teaching       items of up to %d examples, prior %.3g for a class the bundle lacks\n", lo.Group, lo.Prior)
	} else {
		fmt.Fprintf(&sb, "  cache          none: the network decides alone\n")
	}
	p := b.Meta.Preprocess
	decode := "JPEG at the reduced scale the region allows"
	if p.FullDecode {
		decode = "JPEG decoded at full size"
	}
	fmt.Fprintf(&sb, "  preprocess     region %s, area-averaged to %dx%d, %s\n", p.ROI, p.Size, p.Size, decode)
	fmt.Fprintf(&sb, "  classes        %s\n", strings.Join(b.Meta.Classes, ", "))
	for _, k := range slices.Sorted(maps.Keys(b.Meta.Source)) {
		fmt.Fprintf(&sb, "  source %-8s %s\n", k, b.Meta.Source[k])
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
