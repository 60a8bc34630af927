package torchfile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/model/modeltest"
)

// mustFail reads b and checks that it fails with an error that says which
// package it comes from and contains every one of wants.
func mustFail(t *testing.T, what string, b []byte, wants ...string) {
	t.Helper()
	_, err := read(b)
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	checkErr(t, what, err, wants...)
}

func checkErr(t *testing.T, what string, err error, wants ...string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "torchfile: ") {
		t.Errorf("%s: error lacks the package prefix: %s", what, msg)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: error %q does not contain %q", what, msg, w)
		}
	}
}

// cutPoints are every offset in the first 600 bytes (the pickle headers and
// the start of the object pickle), then every 509th, then the last ones.
func cutPoints(n int) []int {
	var cuts []int
	for i := 0; i < n; i++ {
		if i < 600 || i%509 == 0 || i > n-20 {
			cuts = append(cuts, i)
		}
	}
	return cuts
}

func TestTruncated(t *testing.T) {
	small := fromWeights(modeltest.RandomWeights(8, 10, false, 5))
	for name, b := range map[string][]byte{
		"resnet8_legacy.th": readFile(t, "testdata/resnet8_legacy.th"),
		"resnet8_zip.pt":    readFile(t, "testdata/resnet8_zip.pt"),
		"generated legacy":  small.legacy(),
		"generated zip":     small.zip(t, "archive"),
	} {
		for _, cut := range cutPoints(len(b)) {
			_, err := read(b[:cut])
			if err == nil {
				t.Fatalf("%s cut to %d of %d bytes: no error", name, cut, len(b))
			}
			checkErr(t, name, err)
		}
	}
	// Inside a valid zip: entries cut short.
	zb := readFile(t, "testdata/resnet8_zip.pt")
	for cut := 0; cut < 6322; cut += 1 + cut/16 {
		b := rezip(t, zb, func(name string, data []byte) (string, []byte) {
			if strings.HasSuffix(name, "/data.pkl") {
				data = data[:cut]
			}
			return name, data
		})
		mustFail(t, "data.pkl truncated", b, "resnet8_zip/data.pkl")
	}
	b := rezip(t, zb, func(name string, data []byte) (string, []byte) {
		if name == "resnet8_zip/data/15" {
			data = data[:len(data)-4]
		}
		return name, data
	})
	mustFail(t, "storage entry truncated", b, `storage "15": resnet8_zip/data/15 holds 18428 bytes, 4608 float32 values need 18432`)
}

// rezip copies a zip archive, passing each entry through edit; an empty name
// drops the entry.
func rezip(t *testing.T, src []byte, edit func(name string, data []byte) (string, []byte)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		name, data := edit(f.Name, data)
		if name == "" {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFlippedBytes flips bytes all over the pickles and in the data: a
// flipped weight byte still makes a valid file, so only panics and
// unprefixed errors are failures here.
func TestFlippedBytes(t *testing.T) {
	legacy := readFile(t, "testdata/resnet8_legacy.th")
	failed := 0
	for i := 0; i < len(legacy); i += 1 + i/32 {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(legacy)
			b[i] ^= x
			if _, err := read(b); err != nil {
				checkErr(t, "legacy with a flipped byte", err)
				failed++
			}
		}
	}
	zb := readFile(t, "testdata/resnet8_zip.pt")
	for i := 0; i < 6322; i += 13 {
		b := rezip(t, zb, func(name string, data []byte) (string, []byte) {
			if strings.HasSuffix(name, "/data.pkl") {
				data = bytes.Clone(data)
				data[i] ^= 0x55
			}
			return name, data
		})
		if _, err := read(b); err != nil {
			checkErr(t, "data.pkl with a flipped byte", err)
			failed++
		}
	}
	if failed == 0 {
		t.Error("no flipped byte was noticed")
	}
}

func TestNotACheckpoint(t *testing.T) {
	legacy := readFile(t, "testdata/resnet8_legacy.th")
	b := bytes.Clone(legacy)
	b[5] ^= 1 // in the LONG1 of the magic number
	mustFail(t, "wrong magic", b, "not a PyTorch checkpoint", "magic number is 0x1950a86a20f9469cfd6c, want 0x1950a86a20f9469cfc6c")
	mustFail(t, "empty file", nil, "not a PyTorch checkpoint", "empty")
	mustFail(t, "text", []byte("hello, world\n"), "not a PyTorch checkpoint", "no MARK to pop")
	mustFail(t, "binary", []byte{0xff, 0xfe}, "not a PyTorch checkpoint", "byte 0, opcode 0xff: unknown opcode")
	mustFail(t, "a plain pickle", []byte("\x80\x02K\x01."), "not a PyTorch checkpoint", "magic number is int 1")
	b = bytes.Clone(legacy)
	copy(b[15:], "\x80\x02M\xea\x03.") // protocol 1002
	mustFail(t, "wrong protocol", b, "protocol version is int 1002, want 1001")
}

// longProtocol rewrites a legacy file's protocol version pickle (BININT2
// 1001) as LONG1 or text LONG 2^32 + 1001: a 64-bit int holds it, a 32-bit
// one would wrap it to 1001 (gopickle converts longs of up to 8 bytes to int
// unchecked), and the armv6/armv7 boards read such a file as a valid one.
func longProtocol(t testing.TB, legacy []byte, text bool) []byte {
	t.Helper()
	old := []byte("\x80\x02M\xe9\x03.")
	if !bytes.Contains(legacy, old) {
		t.Fatal("no BININT2 protocol version 1001 in the legacy file")
	}
	long := []byte("\x80\x02\x8a\x05\xe9\x03\x00\x00\x01.")
	if text {
		long = []byte("\x80\x02L4294968297L\n.")
	}
	return bytes.Replace(legacy, old, long, 1)
}

// TestLongPast32Bits: a long that fits int64 but not int is refused on a
// 32-bit board, where it used to wrap silently, and is the true value on a
// 64-bit host; either way the file is refused. (make test-arm runs this as
// armv7 under qemu.)
func TestLongPast32Bits(t *testing.T) {
	legacy := readFile(t, "testdata/resnet8_legacy.th")
	for _, text := range []bool{false, true} {
		b := longProtocol(t, legacy, text)
		if strconv.IntSize == 32 {
			mustFail(t, "protocol 2^32+1001 on 32 bits", b, "LONG 4294968297 does not fit this machine's 32-bit int")
		} else {
			mustFail(t, "protocol 2^32+1001 on 64 bits", b, "protocol version is int 4294968297, want 1001")
		}
	}
	for _, tc := range []struct {
		b    []byte
		want int64
		ok   bool
	}{
		{[]byte{0x10, 0, 0, 0, 1}, 1<<32 + 16, true},
		{[]byte{0xff}, -1, true},
		{[]byte{0xff, 0xff, 0xff, 0x7f}, 1<<31 - 1, true},
		{[]byte{0, 0, 0, 0x80}, -1 << 31, true},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, -1 << 63, true},
		{make([]byte, 9), 0, false},
	} {
		if v, ok := smallLong(tc.b); v != tc.want || ok != tc.ok {
			t.Errorf("smallLong(% x) = %d, %v; want %d, %v", tc.b, v, ok, tc.want, tc.ok)
		}
	}
}

func TestBadZip(t *testing.T) {
	zb := readFile(t, "testdata/resnet8_zip.pt")
	want, err := read(zb)
	if err != nil {
		t.Fatal(err)
	}
	moved := rezip(t, zb, func(name string, data []byte) (string, []byte) {
		return "archive/" + strings.TrimPrefix(name, "resnet8_zip/"), data
	})
	if got, err := read(moved); err != nil || len(got) != len(want) {
		t.Errorf("top folder renamed to archive: %d tensors, %v", len(got), err)
	}
	for _, tc := range []struct {
		what  string
		edit  func(string, []byte) (string, []byte)
		wants []string
	}{
		{"no data.pkl", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "data.pkl") {
				return "", nil
			}
			return n, d
		}, []string{"zip archive has no <folder>/data.pkl"}},
		{"data.pkl at the top", func(n string, d []byte) (string, []byte) {
			return strings.TrimPrefix(n, "resnet8_zip/"), d
		}, []string{"zip archive has no <folder>/data.pkl"}},
		{"storage missing", func(n string, d []byte) (string, []byte) {
			if n == "resnet8_zip/data/3" {
				return "", nil
			}
			return n, d
		}, []string{`storage "3": zip archive has no resnet8_zip/data/3`}},
		{"TorchScript", func(n string, d []byte) (string, []byte) {
			if n == "resnet8_zip/version" {
				return "resnet8_zip/constants.pkl", d
			}
			return n, d
		}, []string{"TorchScript"}},
		{"two checkpoints", func(n string, d []byte) (string, []byte) {
			if n == "resnet8_zip/version" {
				return "other/data.pkl", d
			}
			return n, d
		}, []string{"two checkpoints"}},
		{"byte order", func(n string, d []byte) (string, []byte) {
			if n == "resnet8_zip/version" {
				return "resnet8_zip/byteorder", []byte("middle")
			}
			return n, d
		}, []string{`resnet8_zip/byteorder: byte order "middle"`}},
	} {
		mustFail(t, tc.what, rezip(t, zb, tc.edit), tc.wants...)
	}
	b := bytes.Clone(zb)
	b[100] ^= 0xff // inside data.pkl: the stored CRC no longer matches
	mustFail(t, "corrupt entry", b, "resnet8_zip/data.pkl", "checksum")
}

// TestBadTensors makes checkpoints with one defect each, in both formats.
func TestBadTensors(t *testing.T) {
	base := func() *fakeCheckpoint { return fromWeights(modeltest.RandomWeights(8, 10, false, 7)) }
	find := func(ck *fakeCheckpoint, name string) *fakeTensor {
		for i := range ck.tensors {
			if ck.tensors[i].name == name {
				return &ck.tensors[i]
			}
		}
		t.Fatalf("no tensor %s", name)
		return nil
	}
	for _, tc := range []struct {
		what  string
		edit  func(*fakeCheckpoint)
		wants []string
	}{
		{"storage too small", func(ck *fakeCheckpoint) {
			c := find(ck, "conv1.weight")
			c.numel = 100
			ck.storages[c.key] = ck.storages[c.key][:400]
		}, []string{`holds 100 values, tensor "conv1.weight" needs 432`}},
		{"offset past the end", func(ck *fakeCheckpoint) {
			find(ck, "fc.bias").off = 5
		}, []string{`holds 10 values, tensor "fc.bias" needs 15`}},
		{"huge sizes", func(ck *fakeCheckpoint) {
			c := find(ck, "fc.bias")
			c.size, c.stride = []int{1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30}, []int{1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1}
		}, []string{`tensor "fc.bias" needs more than 2^63`}},
		{"expanded view", func(ck *fakeCheckpoint) {
			c := find(ck, "fc.bias")
			c.size, c.stride = []int{4, 10}, []int{0, 1}
		}, []string{`tensor "fc.bias" has 40 values, more than its storage`, "expanded"}},
		{"integer tensor", func(ck *fakeCheckpoint) {
			c := find(ck, "fc.bias")
			c.class, c.numel = "LongStorage", 5
		}, []string{`tensor "fc.bias" holds int64 values`}},
		{"not a tensor", func(ck *fakeCheckpoint) {
			find(ck, "fc.bias").notATensor = true
		}, []string{`state dict entry "fc.bias" is int 7, not a tensor`}},
		{"unknown storage type", func(ck *fakeCheckpoint) {
			find(ck, "fc.bias").class = "ComplexFloatStorage"
		}, []string{"storage type is the class torch.ComplexFloatStorage"}},
		{"two names for one tensor", func(ck *fakeCheckpoint) {
			find(ck, "fc.bias").name = "module.linear.weight"
		}, []string{`tensors "module.linear.weight" and "fc.weight" both name "fc.weight"`}},
		{"storage declared twice", func(ck *fakeCheckpoint) {
			find(ck, "fc.bias").key = find(ck, "conv1.weight").key
		}, []string{"is declared twice"}},
		{"no state dict", func(ck *fakeCheckpoint) {
			ck.wrap = "weights"
		}, []string{"no state dict", "keys [epoch weights]"}},
	} {
		ck := base()
		tc.edit(ck)
		mustFail(t, tc.what+" (zip)", ck.zip(t, "archive"), tc.wants...)
		mustFail(t, tc.what+" (legacy)", ck.legacy(), tc.wants...)
	}

	// Legacy only: the element count before a storage's bytes.
	ck := base()
	ck.countError = 1
	mustFail(t, "count mismatch", ck.legacy(), `storage "0" at byte`, "file holds 17 values, the object pickle declares 16")
}

// TestLoadErrors checks that model.Build's refusals reach the caller with the
// file name: wrong shapes and layers the architecture does not have.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		what  string
		edit  func(*fakeCheckpoint)
		wants []string
	}{
		{"wrong shape", func(ck *fakeCheckpoint) {
			for i := range ck.tensors {
				if c := &ck.tensors[i]; c.name == "layer2.0.conv1.weight" {
					c.size = []int{32, 16, 1, 1}
					c.numel = 512
					ck.storages[c.key] = make([]byte, 4*512)
				}
			}
		}, []string{`model: tensor "layer2.0.conv1.weight": expected shape [32 16 3 3], found [32 16 1 1]`}},
		{"unknown layers", func(ck *fakeCheckpoint) {
			ck.tensors = append(ck.tensors, fakeTensor{name: "module.layer4.0.conv1.weight", class: "FloatStorage", key: "x", numel: 1, size: []int{1}},
				fakeTensor{name: "head.weight", class: "FloatStorage", key: "x", numel: 1, size: []int{1}})
			ck.storages["x"] = make([]byte, 4)
		}, []string{"unexpected tensor(s)", "head.weight, layer4.0.conv1.weight"}},
	} {
		ck := fromWeights(modeltest.RandomWeights(8, 10, false, 9))
		tc.edit(ck)
		path := filepath.Join(dir, "bad.th")
		if err := os.WriteFile(path, ck.legacy(), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, AkamasterSpec)
		if err == nil {
			t.Fatalf("%s: no error", tc.what)
		}
		checkErr(t, tc.what, err, append(tc.wants, "torchfile: "+path+": ")...)
	}
	_, err := Load(filepath.Join(dir, "missing.th"), AkamasterSpec)
	if err == nil || !strings.HasPrefix(err.Error(), "torchfile: ") {
		t.Errorf("missing file: %v", err)
	}
}

// TestScanGuardsGopickle shows each hazard scanPickle exists for: gopickle
// v0.2.0 panics on these pickles (or would allocate what the length claims),
// and the scan refuses them first.
func TestScanGuardsGopickle(t *testing.T) {
	for _, tc := range []struct {
		what, pickle string
		panics       bool // gopickle panics (checked); else it would allocate hugely
		want         string
	}{
		{"opcode 0xff", "\x80\x02\xff", true, "unknown opcode"},
		{"odd SETITEMS", "}(K\x01u.", true, "odd number of items (1)"},
		{"odd DICT", "(K\x01d.", true, "odd number of items (1)"},
		{"empty LONG1", "\x8a\x00.", true, "LONG with no bytes"},
		{"bytes key in an OrderedDict", "ccollections\nOrderedDict\n)RC\x01aK\x01s.", true, "bytes used as a dict key"},
		{"bytes in a set", "\x8f(C\x01a\x90.", true, "bytes used as a dict key or set member"},
		{"BINBYTES8 of 2^62", "\x8e\x00\x00\x00\x00\x00\x00\x00\x40.", false, "needs 4611686018427387904 bytes, 1 left"},
		{"FRAME of 2^40", "\x95\x00\x00\x00\x00\x00\x01\x00\x00N.", false, "frame of 1099511627776 bytes, 2 left"},
	} {
		if tc.panics && !gopicklePanics(tc.pickle) {
			t.Errorf("%s: gopickle no longer panics; the scan check may be obsolete", tc.what)
		}
		_, err := scanPickle(bufio.NewReader(strings.NewReader(tc.pickle)), int64(len(tc.pickle)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: scan error %v, want %q", tc.what, err, tc.want)
		}
	}
}

func gopicklePanics(p string) (panicked bool) {
	defer func() { panicked = recover() != nil }() // test-only: proving the hazard
	unpickle([]byte(p), nil)
	return false
}
