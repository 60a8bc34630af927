package bundle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
)

// testBundle is a random int8 ResNet-8 of 3 classes and a small tuned cache
// on two of its taps.
func testBundle(t testing.TB) *Bundle {
	t.Helper()
	labels := []string{"cat", "dog", "ship"}
	rng := rand.New(rand.NewPCG(3, 4))
	qm := bundletest.Quantize(t, bundletest.Net(t, labels, 7), bundletest.Pixels(rng, 4))
	c, err := cache.New(bundletest.Spec(t, qm, cache.PoolAvg, "layer3.0", "layer3.0.relu"), 3)
	if err != nil {
		t.Fatal(err)
	}
	bundletest.AddUnitKeys(t, c, rng, 12, func(i int) int { return 1 + i%4 })
	c.Theta, c.Lambda, c.CacheOnlyTheta = 50, 0.5, 40
	return &Bundle{
		Meta: Meta{Name: "test", Classes: labels, Preprocess: DefaultPreprocess,
			Created: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), Source: map[string]string{"model": "random"}},
		Model: qm, Cache: c,
	}
}

func encode(t testing.TB, b *Bundle) ([]byte, [32]byte) {
	t.Helper()
	var buf bytes.Buffer
	id, err := b.Write(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), id
}

func TestRoundTrip(t *testing.T) {
	b := testBundle(t)
	data, id := encode(t, b)
	got, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id {
		t.Errorf("ID %x, Write returned %x", got.ID, id)
	}
	if got.Meta.Name != "test" || strings.Join(got.Meta.Classes, ",") != "cat,dog,ship" || got.Meta.Preprocess != DefaultPreprocess ||
		!got.Meta.Created.Equal(b.Meta.Created) || got.Meta.Source["model"] != "random" {
		t.Errorf("meta %+v", got.Meta)
	}
	if got.Cache.Len() != b.Cache.Len() || got.Cache.Theta != 50 || got.Cache.Lambda != 0.5 || got.Cache.CacheOnlyTheta != 40 {
		t.Errorf("cache %d items theta %v lambda %v", got.Cache.Len(), got.Cache.Theta, got.Cache.Lambda)
	}
	for i := 0; i < b.Cache.Len(); i++ {
		if got.Cache.Weight(i) != b.Cache.Weight(i) || got.Cache.Label(i) != b.Cache.Label(i) {
			t.Fatalf("item %d differs", i)
		}
	}
	// The model section is the model file byte for byte.
	var want, have bytes.Buffer
	b.Model.WriteTo(&want)
	got.Model.WriteTo(&have)
	if !bytes.Equal(want.Bytes(), have.Bytes()) {
		t.Error("model changed in the round trip")
	}
	var info strings.Builder
	if err := got.Describe(&info); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"section QNET", "section CACH", "12 items", "theta 50, lambda 0.5", "cat, dog, ship", "region center, area-averaged to 32x32"} {
		if !strings.Contains(info.String(), s) {
			t.Errorf("Describe lacks %q:\n%s", s, info.String())
		}
	}
}

func TestNetworkAlone(t *testing.T) {
	b := testBundle(t)
	b.Cache = nil
	data, _ := encode(t, b)
	got, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cache != nil || len(got.Sections) != 2 {
		t.Errorf("cache %v, %d sections", got.Cache, len(got.Sections))
	}
}

func TestWriteFile(t *testing.T) {
	b := testBundle(t)
	path := filepath.Join(t.TempDir(), "board.bundle")
	if err := b.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != b.ID || b.ID == [32]byte{} {
		t.Errorf("ID %x, written %x", got.ID, b.ID)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files left in the folder, want the bundle alone", len(entries))
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("bundle file mode %v, %v; want -rw-r--r-- (the board program runs as its own user)", st.Mode(), err)
	}
}

// TestCheck: a bundle whose parts do not fit each other is refused on writing.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(b *Bundle)
	}{
		{"class names", "2 class names", func(b *Bundle) { b.Meta.Classes = b.Meta.Classes[:2] }},
		{"untuned", "no tuned theta", func(b *Bundle) { b.Cache.Theta = 0 }},
		{"lambda", "no tuned theta", func(b *Bundle) { b.Cache.Lambda = 1.5 }},
		{"roi", "region \"middle\"", func(b *Bundle) { b.Meta.Preprocess.ROI = "middle" }},
		{"size", "size 0", func(b *Bundle) { b.Meta.Preprocess.Size = 0 }},
		{"no model", "no model", func(b *Bundle) { b.Model = nil }},
		{"foreign cache", "does not fit", func(b *Bundle) {
			spec := b.Cache.Spec()
			spec.Taps[0].C = 32
			c, err := cache.New(spec, 3)
			if err != nil {
				panic(err)
			}
			c.Add(make([]float32, c.Dim()), 0)
			c.Theta, c.Lambda = 1, 0.5
			b.Cache = c
		}},
	} {
		b := testBundle(t)
		tc.edit(b)
		_, err := b.Write(&bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// rechecksum recomputes the header CRC after a test edits the header.
func rechecksum(data []byte) {
	n := int(binary.LittleEndian.Uint32(data[12:]))
	h := 16 + n*entrySize
	binary.LittleEndian.PutUint32(data[h:], crc32.Checksum(data[:h], castagnoli))
}

// TestBad: each damaged or foreign file is refused with an error naming what
// is wrong.
func TestBad(t *testing.T) {
	good, _ := encode(t, testBundle(t))
	var qnet bytes.Buffer
	testBundle(t).Model.WriteTo(&qnet)
	mod := func(f func(d []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"bare model", qnet.Bytes(), "not a bundle"},
		{"text", []byte("hello, this is not a bundle at all"), "not a bundle"},
		{"header cut", good[:30], "truncated inside its header"},
		{"cut in a section", good[:len(good)-10], "runs past the end"},
		{"tail", append(bytes.Clone(good), 0), "1 bytes after the last section"},
		{"version", mod(func(d []byte) []byte { d[8] = 9; rechecksum(d); return d }), "format version 9"},
		{"no sections", mod(func(d []byte) []byte { d[12] = 0; return d }), "0 sections"},
		{"many sections", mod(func(d []byte) []byte { d[12] = 200; return d }), "200 sections"},
		{"header crc", mod(func(d []byte) []byte { d[17] ^= 1; return d }), "checksum mismatch (file corrupt): header"},
		{"section crc", mod(func(d []byte) []byte { d[len(d)-3] ^= 0x10; return d }), "checksum mismatch (file corrupt): section CACH"},
		{"unknown tag", mod(func(d []byte) []byte { copy(d[16+2*entrySize:], "ZZZZ"); rechecksum(d); return d }), "unknown section \"ZZZZ\""},
		{"twice", mod(func(d []byte) []byte { copy(d[16+2*entrySize:], "QNET"); rechecksum(d); return d }), "QNET appears twice"},
		{"huge length", mod(func(d []byte) []byte {
			binary.LittleEndian.PutUint64(d[16+2*entrySize+12:], 1<<63)
			rechecksum(d)
			return d
		}), "runs past the end"},
		// Sizes that a reader converting to a 32-bit int too early would
		// wrap to the true ones, and then accept (the CRCs still match).
		{"length over 4 GiB", mod(func(d []byte) []byte {
			e := d[16+2*entrySize+12:]
			binary.LittleEndian.PutUint64(e, binary.LittleEndian.Uint64(e)|1<<32)
			rechecksum(d)
			return d
		}), "runs past the end"},
		{"offset over 4 GiB", mod(func(d []byte) []byte {
			e := d[16+entrySize+4:]
			binary.LittleEndian.PutUint64(e, binary.LittleEndian.Uint64(e)|1<<32)
			rechecksum(d)
			return d
		}), "expected"},
		{"offset and length wrap", mod(func(d []byte) []byte {
			binary.LittleEndian.PutUint64(d[16+2*entrySize+12:], 1<<64-1)
			rechecksum(d)
			return d
		}), "runs past the end"},
		{"gap", mod(func(d []byte) []byte {
			binary.LittleEndian.PutUint64(d[16+entrySize+4:], 1<<40)
			rechecksum(d)
			return d
		}), "expected"},
	} {
		_, err := Read(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Read(qnet.Bytes()); !errors.Is(err, ErrNotBundle) {
		t.Errorf("bare model: %v, want ErrNotBundle", err)
	}
}

// TestCorruptCount: every truncation and every single-byte change of a small
// bundle with all three sections is refused, and none panics. Every byte of
// the file lies under a CRC-32C (the header's covers the bytes before it,
// and the stored CRC is compared; each section's covers the section), and a
// CRC-32C catches every error burst of up to 32 bits, so a change within one
// byte can never pass: the test proves the coverage has no hole. Each byte is
// changed twice: one bit flipped (a different bit at each offset) and all
// eight. The refusals are counted by what caught them.
func TestCorruptCount(t *testing.T) {
	b := testBundle(t)
	good, _ := encode(t, b)
	secs, err := sections(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 3 {
		t.Fatalf("%d sections, want META, QNET and CACH", len(secs))
	}
	step := 1
	if testing.Short() {
		step = 7
	}
	var tried, accepted int
	caught := map[string]int{}
	d := bytes.Clone(good)
	for off := 0; off < len(good); off += step {
		if _, err := Read(good[:off]); err == nil {
			t.Errorf("truncated at %d of %d: accepted", off, len(good))
		}
		for _, mask := range []byte{1 << (off % 8), 0xff} {
			tried++
			d[off] ^= mask
			_, err := Read(d)
			d[off] = good[off]
			switch {
			case err == nil:
				accepted++
				t.Errorf("byte %d of %d (%s) changed by %#02x: accepted", off, len(good), where(secs, off), mask)
			case errors.Is(err, ErrChecksum):
				caught[strings.TrimPrefix(err.Error(), ErrChecksum.Error()+": ")]++
			default:
				// The magic, version and section count are judged
				// before the header's CRC.
				caught["header fields"]++
			}
		}
	}
	t.Logf("%d-byte bundle: %d single-byte changes, %d accepted; refused by: %v", len(good), tried, accepted, caught)
	// Only the header's structure is judged before its CRC (the magic, the
	// version, the section count, then the CRC itself); every change after
	// the header must be caught by its section's CRC.
	for _, s := range secs {
		if caught["section "+s.tag] == 0 {
			t.Errorf("no change in section %s was caught by its checksum", s.tag)
		}
	}
}

// where names the part of a bundle that offset off falls in.
func where(secs []section, off int) string {
	for _, s := range secs {
		if uint64(off) >= s.off && uint64(off) < s.off+uint64(len(s.data)) {
			return "section " + s.tag
		}
	}
	return "header"
}

func FuzzRead(f *testing.F) {
	good, _ := encode(f, testBundle(f))
	f.Add(good)
	f.Add(good[:100])
	f.Add([]byte(magic + "\x01\x00\x00\x00\x01\x00\x00\x00"))
	// A section length past 4 GiB under a valid header CRC: what a 32-bit
	// board must not wrap.
	wide := bytes.Clone(good)
	e := wide[16+2*entrySize+12:]
	binary.LittleEndian.PutUint64(e, binary.LittleEndian.Uint64(e)|1<<32)
	rechecksum(wide)
	f.Add(wide)
	alone := testBundle(f)
	alone.Cache = nil
	data, _ := encode(f, alone)
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(data)
		if err != nil {
			return
		}
		// What reads is consistent, so it writes again.
		var buf bytes.Buffer
		if _, err := b.Write(&buf); err != nil {
			t.Fatalf("read but cannot write: %v", err)
		}
	})
}
