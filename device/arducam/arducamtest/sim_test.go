package arducamtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

func connect(t *testing.T, s *Sim) spi.Conn {
	t.Helper()
	c, err := s.SPI().Connect(8*physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func reg(t *testing.T, c spi.Conn, addr byte) byte {
	t.Helper()
	r := make([]byte, 2)
	if err := c.Tx([]byte{addr, 0}, r); err != nil {
		t.Fatal(err)
	}
	return r[1]
}

func set(t *testing.T, c spi.Conn, addr, v byte) {
	t.Helper()
	if err := c.Tx([]byte{addr | 0x80, v}, nil); err != nil {
		t.Fatal(err)
	}
}

// A raw frame is burst-read across transfers, the read pointer surviving
// between them, and the length registers give its 23-bit size.
func TestBurstAcrossTransfers(t *testing.T) {
	frame := make([]byte, 70000)
	for i := range frame {
		frame[i] = byte(i*31 + i>>8)
	}
	s := NewRaw(frame)
	c := connect(t, s)
	set(t, c, regTest, 0x5A)
	if v := reg(t, c, regTest); v != 0x5A {
		t.Fatalf("test register 0x%02X", v)
	}
	set(t, c, regFIFO, fifoClear)
	set(t, c, regFIFO, fifoStart)
	if reg(t, c, regStatus)&statusDone == 0 {
		t.Fatal("not done with no capture delay")
	}
	n := int(reg(t, c, regLen1)) | int(reg(t, c, regLen2))<<8 | int(reg(t, c, regLen3))<<16
	if n != len(frame) {
		t.Fatalf("length %d, want %d", n, len(frame))
	}
	var got []byte
	for len(got) < n {
		k := min(4095, n-len(got))
		w, r := make([]byte, k+1), make([]byte, k+1)
		w[0] = cmdBurst
		if err := c.Tx(w, r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r[1:]...)
	}
	if !bytes.Equal(got, frame) {
		t.Fatal("burst-read frame differs")
	}
	// Resetting the read pointer reads the frame again, byte by byte too.
	set(t, c, regFIFO, fifoRdRst)
	r := make([]byte, 2)
	if err := c.Tx([]byte{cmdSingle, 0}, r); err != nil || r[1] != frame[0] {
		t.Fatalf("single read 0x%02X, %v", r[1], err)
	}
	set(t, c, regFIFO, fifoClear)
	if reg(t, c, regStatus)&statusDone != 0 {
		t.Fatal("done flag survives a clear")
	}
}

func TestSPIRejects(t *testing.T) {
	s := New(image.NewGray(image.Rect(0, 0, 8, 8)))
	s.MaxTxSize = 64
	for _, tc := range []struct {
		f    physic.Frequency
		m    spi.Mode
		bits int
		want string
	}{
		{16 * physic.MegaHertz, spi.Mode0, 8, "speed"},
		{physic.MegaHertz, spi.Mode3, 8, "Mode3"},
		{physic.MegaHertz, spi.Mode0, 16, "16 bits"},
	} {
		if _, err := s.SPI().Connect(tc.f, tc.m, tc.bits); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Connect(%v, %v, %d): %v", tc.f, tc.m, tc.bits, err)
		}
	}
	c := connect(t, s)
	if _, err := s.SPI().Connect(physic.MegaHertz, spi.Mode0, 8); err == nil {
		t.Error("second Connect accepted")
	}
	for _, tc := range []struct {
		w, r []byte
		want string
	}{
		{nil, nil, "empty"},
		{make([]byte, 65), nil, "exceeds MaxTxSize 64"},
		{[]byte{0x80, 1, 2}, nil, "of 3 bytes"},
		{[]byte{0x00, 0}, make([]byte, 3), "reads 3"},
	} {
		if err := c.Tx(tc.w, tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Tx(% X): %v, want %q", tc.w, err, tc.want)
		}
	}
}

func TestSCCB(t *testing.T) {
	s := New(image.NewGray(image.Rect(0, 0, 8, 8)))
	b := s.I2C()
	read := func(r byte) byte {
		t.Helper()
		v := make([]byte, 1)
		if err := b.Tx(0x30, []byte{r}, nil); err != nil {
			t.Fatal(err)
		}
		if err := b.Tx(0x30, nil, v); err != nil {
			t.Fatal(err)
		}
		return v[0]
	}
	if err := b.Tx(0x30, []byte{0xFF, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if p, v := read(0x0A), read(0x0B); p != 0x26 || v != 0x42 {
		t.Fatalf("ID 0x%02X%02X", p, v)
	}
	if err := b.Tx(0x30, []byte{0x0A}, make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "repeated start") {
		t.Errorf("write-read in one transaction: %v", err)
	}
	if err := b.Tx(0x21, []byte{0x0A}, nil); !errors.Is(err, ErrNACK) {
		t.Errorf("wrong address: %v", err)
	}
	// Banks are separate; the reset clears both but keeps the IDs.
	for _, w := range [][]byte{{0xFF, 0}, {0x5A, 0x28}, {0xFF, 1}, {0x5A, 0x99}} {
		if err := b.Tx(0x30, w, nil); err != nil {
			t.Fatal(err)
		}
	}
	if s.Reg(0, 0x5A) != 0x28 || s.Reg(1, 0x5A) != 0x99 || s.OutputSize() != image.Pt(160, 0) {
		t.Fatalf("banks 0x%02X 0x%02X, size %v", s.Reg(0, 0x5A), s.Reg(1, 0x5A), s.OutputSize())
	}
	if err := b.Tx(0x30, []byte{0x12, 0x80}, nil); err != nil {
		t.Fatal(err)
	}
	if s.Reg(0, 0x5A) != 0 || s.Reg(1, 0x0A) != 0x26 {
		t.Fatal("reset did not restore defaults")
	}
	if w := s.Writes(); len(w) != 6 || w[5] != (Write{Bank: 1, Reg: 0x12, Val: 0x80}) {
		t.Fatalf("recorded %v", w)
	}
	s.Faults = Faults{I2CFail: true, I2CFailAfter: 0}
	if err := b.Tx(0x30, []byte{0xFF, 1}, nil); !errors.Is(err, ErrNACK) {
		t.Errorf("injected NACK: %v", err)
	}
	s.Faults = Faults{ChipID: 0x7725}
	if err := b.Tx(0x30, []byte{0xFF, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if p, v := read(0x0A), read(0x0B); p != 0x77 || v != 0x25 {
		t.Errorf("injected ID 0x%02X%02X", p, v)
	}
}

// The scaler keeps an image of the right size and samples pixel centres.
func TestScaleAndRGB565(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 8)
	}
	if Scale(m, image.Pt(4, 2)) != image.Image(m) {
		t.Error("same-size image copied")
	}
	h := Scale(m, image.Pt(2, 1)).(*image.RGBA)
	// Output pixel 0 samples source (1, 1), pixel 1 source (3, 1).
	if !bytes.Equal(h.Pix[:4], m.Pix[4*5:4*5+4]) || !bytes.Equal(h.Pix[4:8], m.Pix[4*7:4*7+4]) {
		t.Errorf("scaled % X from % X", h.Pix, m.Pix)
	}
	one := image.NewRGBA(image.Rect(0, 0, 1, 1))
	copy(one.Pix, []byte{0xFF, 0x80, 0x08, 0xFF})
	if got := RGB565(one); !bytes.Equal(got, []byte{0xFC, 0x01}) {
		t.Errorf("RGB565 % X, want FC 01", got)
	}
}

// A source file whose header claims a huge image fails the capture that
// reaches it, with its reason, before the decoder allocates for it.
func TestHugeSourceFile(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 5000) // IHDR width and height
	binary.BigEndian.PutUint32(b[20:], 5000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewFromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, s)
	if err := c.Tx([]byte{regFIFO | writeBit, fifoStart}, nil); err == nil || !strings.Contains(err.Error(), "5000x5000 image, over the 16777216-pixel limit") {
		t.Fatalf("capture of a huge source: %v", err)
	}
}
