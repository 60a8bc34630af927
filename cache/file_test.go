package cache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/cache/internal/f16"
)

func sampleCache(t testing.TB, proj bool) *Cache {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	spec := Spec{Taps: []TapSpec{{Name: "layer3.0", C: 4, H: 2, W: 2}, {Name: "layer3.2.relu", C: 4, H: 2, W: 2, Pool: PoolAvg}}}
	if proj {
		w, mean := make([]float32, 5*spec.RawDim()), make([]float32, spec.RawDim())
		for i := range w {
			w[i] = float32(r.NormFloat64())
		}
		for i := range mean {
			mean[i] = float32(r.Float64())
		}
		p, err := NewProjection(5, spec.RawDim(), w, mean)
		if err != nil {
			t.Fatal(err)
		}
		spec.Proj = p
	}
	c, _ := randCache(t, r, spec, 10, 37)
	c.Theta, c.Lambda, c.CacheOnlyTheta = 85.5556, 0.5111, 72.2222
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
		a.Theta != b.Theta || a.Lambda != b.Lambda || a.CacheOnlyTheta != b.CacheOnlyTheta ||
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
			want += 2*5*20 + 4*20 + 4*20 // fp16 matrix, mean, the centred raw key of 4*2*2 + 4 values
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
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("cache file mode %v, %v; want -rw-r--r-- (the board program runs as its own user)", st.Mode(), err)
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
		{append([]byte(fileMagic), 4, 0, 0, 0), "version 4"},
		{append([]byte(fileMagic), 0, 0, 0, 0), "version 0"},
	} {
		if _, err := Read(bytes.NewReader(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%q: %v, want %q", tc.data, err, tc.want)
		}
	}
}

// asVersion1 rewrites a current file of an unweighted cache without a
// projection in version 1's layout: no CacheOnly theta, no weighted flag, and
// a checksum over the rest.
func asVersion1(data []byte) []byte {
	const cacheOnlyThetaAt = 8 + 4 + 4 + 8 + 4 + 4 + 4 // magic, version, classes, count, dim, theta, lambda
	old := append(append([]byte(nil), data[:cacheOnlyThetaAt]...), data[cacheOnlyThetaAt+4:len(data)-5]...)
	binary.LittleEndian.PutUint32(old[8:], 1)
	return binary.LittleEndian.AppendUint32(old, crc32.Checksum(old, castagnoli))
}

// Older files with a projection read: version 1 (a float32 row-major
// matrix, no CacheOnly theta, no weighted flag) rounded to fp16, with a value
// fp16 cannot hold refused by name; version 2 (an fp16 row-major matrix)
// transposed.
func TestFileOlderProjection(t *testing.T) {
	c := sampleCache(t, true)
	p := c.Spec().Proj
	data := encode(t, c)
	const cacheOnlyThetaAt = 8 + 4 + 4 + 8 + 4 + 4 + 4 // magic, version, classes, count, dim, theta, lambda
	head := cacheOnlyThetaAt + 4 + 4                   // CacheOnly theta, tap count
	for _, tp := range c.Spec().Taps {
		head += 2 + len(tp.Name) + 12 + 1
	}
	head += 1 + 4 + 4 + 1 // projection flag, rows, cols, mean flag
	older := func(version int, big bool) []byte {
		var old []byte
		if version == 1 {
			old = append(append(old, data[:cacheOnlyThetaAt]...), data[cacheOnlyThetaAt+4:head]...)
		} else {
			old = append(old, data[:head]...)
		}
		for i := 0; i < p.Rows*p.Cols; i++ { // row-major
			v := p.At(i/p.Cols, i%p.Cols)
			if big && i == 3 {
				v = 1e6
			}
			if version == 1 {
				old = binary.LittleEndian.AppendUint32(old, math.Float32bits(v))
			} else {
				old = binary.LittleEndian.AppendUint16(old, f16.Encode(v))
			}
		}
		if version == 1 {
			old = append(old, data[head+2*len(p.WT):len(data)-5]...)
		} else {
			old = append(old, data[head+2*len(p.WT):len(data)-4]...)
		}
		binary.LittleEndian.PutUint32(old[8:], uint32(version))
		return binary.LittleEndian.AppendUint32(old, crc32.Checksum(old, castagnoli))
	}
	for _, version := range []int{1, 2} {
		got, err := Read(bytes.NewReader(older(version, false)))
		if err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		if version == 1 {
			got.CacheOnlyTheta = c.CacheOnlyTheta
		}
		sameCache(t, c, got)
	}
	if _, err := Read(bytes.NewReader(older(1, true))); err == nil || !strings.Contains(err.Error(), "projection value 3") {
		t.Fatalf("projection value past fp16 in a version 1 file: %v", err)
	}
}

// Weights survive the file and lookups: an item of weight w counts as w
// copies of it (cache/host tests the host scoring and Subset).
func TestFileWeights(t *testing.T) {
	c := sampleCache(t, false)
	w, err := New(c.Spec(), c.Classes())
	if err != nil {
		t.Fatal(err)
	}
	copies, err := New(c.Spec(), c.Classes())
	if err != nil {
		t.Fatal(err)
	}
	var key []float32
	for i := 0; i < c.Len(); i++ {
		key = c.Key(key, i)
		if err := w.AddWeighted(key, c.Label(i), 1+i%3); err != nil {
			t.Fatal(err)
		}
		for k := 0; k <= i%3; k++ {
			copies.Add(key, c.Label(i))
		}
	}
	if !w.Weighted() || w.Weight(4) != 2 || w.Bytes() != c.Bytes()+2*c.Len() {
		t.Fatalf("weighted cache: %v, weight %d, %d bytes (unweighted %d)", w.Weighted(), w.Weight(4), w.Bytes(), c.Bytes())
	}
	got, err := Read(bytes.NewReader(encode(t, w)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.weights, w.weights) {
		t.Fatal("weights changed in the file")
	}
	q := key[:c.Dim()]
	p1, p2 := make([]float32, c.Classes()), make([]float32, c.Classes())
	if err := got.Probs(p1, q, 40); err != nil {
		t.Fatal(err)
	}
	if err := copies.Probs(p2, q, 40); err != nil {
		t.Fatal(err)
	}
	for y := range p1 {
		if math.Abs(float64(p1[y]-p2[y])) > 1e-6 {
			t.Fatalf("weighted p_cache %v, copies %v", p1, p2)
		}
	}
	if err := w.AddWeighted(key, 0, 0); err == nil {
		t.Fatal("weight 0 accepted")
	}
	bad := encode(t, w)
	// The last weight is the two bytes before the checksum: make it 0.
	bad[len(bad)-6], bad[len(bad)-5] = 0, 0
	binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], castagnoli))
	if _, err := Read(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "weight 0") {
		t.Fatalf("weight 0 in file: %v", err)
	}
}

// Version 1 caches (the mixture's theta doubles as the CacheOnly theta)
// still read.
func TestFileVersion1(t *testing.T) {
	c := sampleCache(t, false)
	got, err := Read(bytes.NewReader(asVersion1(encode(t, c))))
	if err != nil {
		t.Fatal(err)
	}
	if got.CacheOnlyTheta != c.Theta {
		t.Fatalf("version 1 CacheOnly theta %v, want the mixture's %v", got.CacheOnlyTheta, c.Theta)
	}
	got.CacheOnlyTheta = c.CacheOnlyTheta
	sameCache(t, c, got)
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
	small, err := New(Spec{Taps: []TapSpec{{Name: "t", C: 1, H: 1, W: 1}}}, 2)
	if err != nil {
		f.Fatal(err)
	}
	if err := small.Add([]float32{1}, 1); err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, small))
	f.Add(asVersion1(encode(f, small)))
	if err := small.AddWeighted([]float32{-1}, 0, 3); err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, small))
	for _, b := range badShapeFiles() { // once keys of length 0 on 32-bit boards
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read(bytes.NewReader(data))
		if err != nil {
			if c != nil {
				t.Fatal("cache and error")
			}
			return
		}
		// Whatever reads must write back to the same bytes (when it is in
		// the current version) and look up.
		again := encode(t, c)
		if binary.LittleEndian.Uint32(data[8:]) == fileVersion && !bytes.Equal(again, data[:len(again)]) {
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
