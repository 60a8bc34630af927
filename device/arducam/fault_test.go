package arducam

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
)

// Each fault the simulator can show gives the error a caller handles, and
// the camera captures again once the fault is gone.
func TestCaptureFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format device.Format
		raw    []byte // FIFO content instead of an encoded scene
		fault  func(*arducamtest.Faults)
		want   error
		detail string
	}{
		{"garbage jpeg", device.JPEG, nil, func(f *arducamtest.Faults) { f.Garbage = true }, ErrBadFrame, "no JPEG start marker"},
		{"short jpeg", device.JPEG, nil, func(f *arducamtest.Faults) { f.FIFOLimit = 500 }, ErrBadFrame, "no end marker"},
		{"short rgb565", device.RGB565BE, nil, func(f *arducamtest.Faults) { f.FIFOLimit = 1000 }, ErrBadFrame, "needs 153600"},
		{"length beyond buffer", device.JPEG, nil, func(f *arducamtest.Faults) { f.FIFOLength = 0x7FFFFF }, ErrBadFrame, "exceeds"},
		{"empty fifo", device.JPEG, []byte{}, func(*arducamtest.Faults) {}, ErrBadFrame, "FIFO empty"},
		{"never done", device.JPEG, nil, func(f *arducamtest.Faults) { f.NeverDone = true }, ErrTimeout, "no frame after"},
		{"spi error mid-burst", device.JPEG, nil, func(f *arducamtest.Faults) { f.SPIFail, f.SPIFailAfter = true, 5000 }, arducamtest.ErrSPI, "burst read at FIFO byte"},
		{"spi error first burst", device.RGB565BE, nil, func(f *arducamtest.Faults) { f.SPIFail = true }, arducamtest.ErrSPI, "burst read at FIFO byte 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *arducamtest.Sim
			if tc.raw != nil {
				s = arducamtest.NewRaw(tc.raw)
			} else {
				s = arducamtest.New(scene(320, 240))
			}
			o := fastOpts(tc.format, image.Pt(320, 240))
			o.Timeout = 20 * o.PollInterval
			s.MaxTxSize = 1024
			d := open(t, s, o)
			tc.fault(&s.Faults)
			_, err := d.Next(context.Background())
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.detail) || !strings.HasPrefix(err.Error(), "arducam: ") {
				t.Fatalf("err %v, want %v with %q", err, tc.want, tc.detail)
			}
			if tc.raw != nil {
				return
			}
			s.Faults = arducamtest.Faults{}
			if _, err := d.Next(context.Background()); err != nil {
				t.Fatalf("capture after the fault cleared: %v", err)
			}
		})
	}
}

func TestInitFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  arducamtest.Faults
		addr   uint16
		want   error
		detail string
	}{
		{"wrong chip id", arducamtest.Faults{ChipID: 0x7660}, 0, ErrChipID, "product ID 0x7660"},
		{"ov2640 version 0x41", arducamtest.Faults{ChipID: 0x2641}, 0, nil, ""},
		{"test register stuck low", arducamtest.Faults{TestStuck: true}, 0, ErrNoChip, "read 0x00"},
		{"test register stuck at 0x55", arducamtest.Faults{TestStuck: true, TestValue: 0x55}, 0, ErrNoChip, "wrote 0xAA"},
		{"no sensor at address", arducamtest.Faults{}, 0x21, arducamtest.ErrNACK, "is the sensor at I2C address 0x21"},
		{"nack in a table", arducamtest.Faults{I2CFail: true, I2CFailAfter: 50}, 0, arducamtest.ErrNACK, "table OV2640_JPEG_INIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := arducamtest.New(scene(320, 240))
			s.Faults = tc.fault
			o := fastOpts(device.JPEG, image.Pt(320, 240))
			o.Addr = tc.addr
			d, err := New(s.SPI(), s.I2C(), o)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if d != nil || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("New: %v, want %v with %q", err, tc.want, tc.detail)
			}
		})
	}
}

func TestBadOpts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*Opts)
		detail string
	}{
		{"jpeg size", func(o *Opts) { o.Size = image.Pt(333, 222) }, "size 333x222 not supported"},
		{"rgb565 size", func(o *Opts) { o.Format, o.Size = device.RGB565BE, image.Pt(640, 480) }, "rgb565be size 640x480"},
		{"yuyv", func(o *Opts) { o.Format = device.YUYV }, "format yuyv not supported"},
		{"address", func(o *Opts) { o.Addr = 0x130 }, "not a 7-bit address"},
		{"transfer size", func(o *Opts) { o.MaxTxSize = 1 }, "cannot carry"},
		{"spi speed", func(o *Opts) { o.SPISpeed *= 2 }, "connect SPI"},
		{"spi mode", func(o *Opts) { o.SPIMode = 3 }, "connect SPI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := arducamtest.New(scene(320, 240))
			s.MaxTxSize = 1 << 20
			o := fastOpts(device.JPEG, image.Pt(320, 240))
			tc.edit(o)
			if _, err := New(s.SPI(), s.I2C(), o); err == nil || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("New: %v, want %q", err, tc.detail)
			}
		})
	}
}

// nil Opts are DefaultOpts (with its 100 ms reset wait).
func TestDefaultOpts(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	d := open(t, s, nil)
	if d.Size() != image.Pt(320, 240) || !strings.Contains(d.String(), "jpeg 320x240") {
		t.Fatalf("%v %v", d, d.Size())
	}
}
