package cache

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleCache(t testing.TB, proj bool) *Cache {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	spec := Spec{Taps: []TapSpec{{Name: "layer3.0", C: 4, H: 2, W: 2}, {Name: "layer3.2.relu", C: 4, H: 2, W: 2, Pool: PoolAvg}}}
	if proj {
		p := &Projection{Rows: 5, Cols: spec.RawDim(), W: make([]float32, 5*spec.RawDim()), Mean: make([]float32, spec.RawDim())}
		for i := range p.W {
			p.W[i] = float32(r.NormFloat64())
		}
		for i := range p.Mean {
			p.Mean[i] = float32(r.Float64())
		}
		spec.Proj = p
	}
	c, _ := randCache(t, r, spec, 10, 37)
	c.Theta, c.Lambda = 85.5556, 0.5111
	return c
}

func encode(t testing.TB, c *Cache) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sameCache(t testing.TB, a, b *Cache) {
	t.Helper()
	if !reflect.DeepEqual(a.spec, b.spec) || a.dim != b.dim || a.classes != b.classes ||
		a.Theta != b.Theta || a.Lambda != b.Lambda ||
		!reflect.DeepEqual(a.labels, b.labels) || len(a.keys) != len(b.keys) {
		t.Fatalf("round trip changed the cache:\n%+v\n%+v", a, b)
	}
	for i := range a.keys {
		if a.keys[i] != b.keys[i] {
			t.Fatalf("key value %d: %#x, read back %#x", i, a.keys[i], b.keys[i])
		}
	}
}

func TestFileRoundTrip(t *testing.T) {
	for _, proj := range []bool{false, true} {
		c := sampleCache(t, proj)
		data := encode(t, c)
		got, err := Read(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sameCache(t, c, got)
		want := 2*37*c.Dim() + 2*37 + lookupScratch(10, c.Dim())
		if proj {
			want += 4 * (5*20 + 20 + 20) // raw keys of 4*2*2 + 4 values
		}
		if got.Bytes() != want {
			t.Fatalf("Bytes = %d, want %d", got.Bytes(), want)
		}
		// Read stops at the checksum: a cache inside a longer stream.
		rd := bytes.NewReader(append(append([]byte(nil), data...), "tail"...))
		if _, err := Read(rd); err != nil || rd.Len() != 4 {
			t.Fatalf("embedded read: %v, %d bytes left", err, rd.Len())
		}
	}
	path := filepath.Join(t.TempDir(), "c.cache")
	c := sampleCache(t, false)
	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameCache(t, c, got)
}

func TestFileCorrupt(t *testing.T) {
	data := encode(t, sampleCache(t, true))
	// Every truncation is an error naming truncation.
	for n := 0; n < len(data); n += 1 + n/16 {
		if _, err := Read(bytes.NewReader(data[:n])); err == nil {
			t.Fatalf("file cut to %d of %d bytes accepted", n, len(data))
		}
	}
	if _, err := Read(bytes.NewReader(data[:len(data)-1])); err == nil || !strings.Contains(err.Error(), "truncated in checksum") {
		t.Fatalf("cut checksum: %v", err)
	}
	// Every flipped bit is caught: by a field check or by the checksum.
	for i := 0; i < len(data); i++ {
		bad := append([]byte(nil), data...)
		bad[i] ^= 1 << (i % 8)
		if _, err := Read(bytes.NewReader(bad)); err == nil {
			t.Fatalf("bit flip at byte %d accepted", i)
		}
	}
	bad := append([]byte(nil), data...)
	bad[len(bad)-100] ^= 0x01 // inside the keys: only the checksum can tell
	if _, err := Read(bytes.NewReader(bad)); !errors.Is(err, ErrChecksum) {
		t.Fatalf("flipped key bit: %v, want ErrChecksum", err)
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{[]byte("NOTCACHE0000"), "not a cache file"},
		{append([]byte(fileMagic), 2, 0, 0, 0), "version 2"},
	} {
		if _, err := Read(bytes.NewReader(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%q: %v, want %q", tc.data, err, tc.want)
		}
	}
}

// A file from another key spec is refused by Spec.Check, naming the tap.
func TestFileSpecMismatch(t *testing.T) {
	c, err := Read(bytes.NewReader(encode(t, sampleCache(t, false))))
	if err != nil {
		t.Fatal(err)
	}
	model := Spec{Taps: []TapSpec{{Name: "layer3.0", C: 4, H: 2, W: 2}, {Name: "layer3.1.relu", C: 4, H: 2, W: 2, Pool: PoolAvg}}}
	if err := model.Check(c.Spec()); err == nil || !strings.Contains(err.Error(), "layer3.2.relu") {
		t.Fatalf("mismatched spec: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, proj := range []bool{false, true} {
		data := encode(f, sampleCache(f, proj))
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	small, _ := New(Spec{Taps: []TapSpec{{Name: "t", C: 1, H: 1, W: 1}}}, 2)
	small.Add([]float32{1}, 1)
	f.Add(encode(f, small))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read(bytes.NewReader(data))
		if err != nil {
			if c != nil {
				t.Fatal("cache and error")
			}
			return
		}
		// Whatever reads must write back to the same bytes and look up.
		again := encode(t, c)
		if !bytes.Equal(again, data[:len(again)]) {
			t.Fatal("re-encoding differs")
		}
		if c.Len() > 0 && c.Len()*c.Dim() < 1<<16 {
			p := make([]float32, c.Classes())
			if err := c.Probs(p, make([]float32, c.Dim()), c.Theta); err != nil {
				t.Fatal(err)
			}
		}
	})
}
