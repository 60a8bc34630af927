package arducam

import (
	"bytes"
	"context"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/edgecache/edgecache/device"
)

// These tests replay exact bus traffic with periph's spitest and i2ctest,
// whose playback connections have no TxPackets and no conn.Limits: the
// driver uses Tx and falls back to 4096-byte transfers.

func spiW(addr, v byte) conntest.IO { return conntest.IO{W: []byte{addr | 0x80, v}, R: []byte{0, 0}} }
func spiR(addr, v byte) conntest.IO { return conntest.IO{W: []byte{addr, 0}, R: []byte{0, v}} }

func i2cW(reg, v byte) i2ctest.IO { return i2ctest.IO{Addr: 0x30, W: []byte{reg, v}} }

// i2cR is an SCCB read: the address in one transaction, the value in the next.
func i2cR(reg, v byte) []i2ctest.IO {
	return []i2ctest.IO{{Addr: 0x30, W: []byte{reg}}, {Addr: 0x30, R: []byte{v}}}
}

var spiTestOK = []conntest.IO{spiW(0x00, 0x55), spiR(0x00, 0x55), spiW(0x00, 0xAA), spiR(0x00, 0xAA)}

func idOps(pid, ver byte) []i2ctest.IO {
	ops := []i2ctest.IO{i2cW(0xFF, 0x01)}
	ops = append(ops, i2cR(0x0A, pid)...)
	return append(ops, i2cR(0x0B, ver)...)
}

// initI2C is the whole I2C side of New for RGB565 320x240.
func initI2C() []i2ctest.IO {
	ops := append(idOps(0x26, 0x42), i2cW(0xFF, 0x01), i2cW(0x12, 0x80))
	for _, r := range rgb565QVGA {
		ops = append(ops, i2cW(r.addr, r.val))
	}
	return ops
}

func playbackNew(spiOps []conntest.IO, i2cOps []i2ctest.IO, f device.Format) (*Dev, *spitest.Playback, *i2ctest.Playback, error) {
	sp := &spitest.Playback{Playback: conntest.Playback{Ops: spiOps, DontPanic: true}}
	ip := &i2ctest.Playback{Ops: i2cOps, DontPanic: true}
	o := fastOpts(f, image.Pt(320, 240))
	o.Timeout = time.Nanosecond // one status read, then the timeout
	d, err := New(sp, ip, o)
	return d, sp, ip, err
}

func closeAll(t *testing.T, sp *spitest.Playback, ip *i2ctest.Playback) {
	t.Helper()
	if err := sp.Close(); err != nil {
		t.Error(err)
	}
	if err := ip.Close(); err != nil {
		t.Error(err)
	}
}

func TestPlaybackInit(t *testing.T) {
	spiOps := append(append([]conntest.IO{}, spiTestOK...), spiW(0x04, 0x01))
	d, sp, ip, err := playbackNew(spiOps, initI2C(), device.RGB565BE)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, sp, ip)
	if d.maxTx != defaultMaxTx {
		t.Errorf("transfer size %d without conn.Limits, want %d", d.maxTx, defaultMaxTx)
	}
}

func TestPlaybackInitFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spi    []conntest.IO
		i2c    []i2ctest.IO
		want   error
		detail string
	}{
		{"test register mismatch", []conntest.IO{spiW(0, 0x55), spiR(0, 0x54)}, nil, ErrNoChip, "wrote 0x55, read 0x54"},
		{"second pattern mismatch", append(spiTestOK[:3:3], spiR(0, 0x55)), nil, ErrNoChip, "wrote 0xAA, read 0x55"},
		{"wrong chip id", spiTestOK, idOps(0x76, 0x73), ErrChipID, "0x7673"},
		{"wrong version", spiTestOK, idOps(0x26, 0x40), ErrChipID, "0x2640"},
		{"spi error", nil, nil, nil, "write ArduChip register 0x00"},
		{"i2c error", spiTestOK, idOps(0x26, 0x42)[:2], nil, "read OV2640 register 0x0A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sp, ip, err := playbackNew(tc.spi, tc.i2c, device.RGB565BE)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("New: %v, want %v with %q", err, tc.want, tc.detail)
			}
			closeAll(t, sp, ip)
		})
	}
}

// captureOps is a capture's SPI traffic up to the FIFO length.
func captureOps(n int) []conntest.IO {
	return []conntest.IO{
		spiW(0x04, 0x01), spiW(0x04, 0x30), spiW(0x04, 0x02),
		spiR(0x41, 0x08),
		spiR(0x42, byte(n)), spiR(0x43, byte(n>>8)), spiR(0x44, byte(n>>16)),
	}
}

// burstOps reads fifo in transfers of up to 4096 bytes.
func burstOps(fifo []byte) []conntest.IO {
	var ops []conntest.IO
	for len(fifo) > 0 {
		k := min(len(fifo), 4095)
		w := make([]byte, k+1)
		w[0] = 0x3C
		ops = append(ops, conntest.IO{W: w, R: append([]byte{0}, fifo[:k]...)})
		fifo = fifo[k:]
	}
	return ops
}

// playbackCapture builds a Dev without init (the capture paths do not
// depend on it) on a playback of ops, and captures once.
func playbackCapture(t *testing.T, f device.Format, ops []conntest.IO) ([]byte, error) {
	t.Helper()
	sp := &spitest.Playback{Playback: conntest.Playback{Ops: ops, DontPanic: true}}
	c, err := sp.Connect(DefaultOpts.SPISpeed, DefaultOpts.SPIMode, 8)
	if err != nil {
		t.Fatal(err)
	}
	m, err := findMode(f, image.Pt(320, 240))
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOpts
	o.Timeout = time.Nanosecond
	d := &Dev{chip: chip{c: c}, opts: o, mode: m, maxTx: defaultMaxTx, w: make([]byte, defaultMaxTx), r: make([]byte, defaultMaxTx)}
	b, err := d.Capture(context.Background())
	if err := sp.Close(); err != nil {
		t.Error(err)
	}
	return b, err
}

func TestPlaybackCapture(t *testing.T) {
	jpg := append([]byte{0x00, 0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x12, 0xFF, 0x00}, 3000)...)
	jpg = append(jpg, 0xFF, 0xD9, 0, 0, 0, 0, 0, 0, 0, 0)
	ops := append(captureOps(len(jpg)), burstOps(jpg)...)
	ops = append(ops, spiW(0x04, 0x01))
	b, err := playbackCapture(t, device.JPEG, ops)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, jpg[1:len(jpg)-8]) {
		t.Fatalf("framed %d bytes % X..., want %d", len(b), b[:min(len(b), 4)], len(jpg)-9)
	}

	rgb := make([]byte, 320*240*2+16) // padded past the frame
	for i := range rgb {
		rgb[i] = byte(i * 7)
	}
	ops = append(captureOps(len(rgb)), burstOps(rgb[:320*240*2])...)
	ops = append(ops, spiW(0x04, 0x01))
	if b, err = playbackCapture(t, device.RGB565BE, ops); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, rgb[:320*240*2]) {
		t.Fatal("RGB565 frame differs")
	}
}

func TestPlaybackCaptureFaults(t *testing.T) {
	notDone := []conntest.IO{spiW(0x04, 0x01), spiW(0x04, 0x30), spiW(0x04, 0x02), spiR(0x41, 0x00)}
	short := []byte{0xFF, 0xD8, 0xFF, 0xDB, 1, 2, 3, 4, 5, 6}
	garbage := bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x00}, 100)
	for _, tc := range []struct {
		name   string
		format device.Format
		ops    []conntest.IO
		want   error
		detail string
	}{
		{"capture never done", device.JPEG, notDone, ErrTimeout, "status 0x00"},
		{"short jpeg", device.JPEG, append(append(captureOps(len(short)), burstOps(short)...), spiW(0x04, 0x01)), ErrBadFrame, "no end marker"},
		{"garbage", device.JPEG, append(append(captureOps(len(garbage)), burstOps(garbage)...), spiW(0x04, 0x01)), ErrBadFrame, "no JPEG start marker"},
		{"short rgb565", device.RGB565BE, captureOps(320 * 240), ErrBadFrame, "needs 153600"},
		{"length overflow", device.JPEG, captureOps(0x7FFFFF), ErrBadFrame, "exceeds"},
		{"spi error mid-burst", device.RGB565BE, append(captureOps(320*240*2), burstOps(make([]byte, 3*4095))...), nil, "burst read at FIFO byte 12285 of 153600"},
		{"spi error on status", device.JPEG, notDone[:3], nil, "read ArduChip register 0x41"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := playbackCapture(t, tc.format, tc.ops)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("Capture: %v, want %v with %q", err, tc.want, tc.detail)
			}
		})
	}
}
