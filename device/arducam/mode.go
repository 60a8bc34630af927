package arducam

import (
	"fmt"
	"image"

	"github.com/edgecache/edgecache/device"
)

// table is a register table with the vendor's name, for error messages.
type table struct {
	name string
	regs []reg
}

// mode is one output the vendor's tables program.
type mode struct {
	format device.Format
	size   image.Point // as asked for in Opts.Size (the vendor's name)
	out    image.Point // what the tables leave in ZMOW/ZMOH: the real size
	tables []table
}

// jpegSetup is ArduCAM.cpp InitCAM's JPEG branch, before the size table;
// its {0xff, 0x01}, {0x15, 0x00} (COM10 = 0: default sync polarities) sits
// between the format and size tables there.
var jpegSetup = []table{
	{"OV2640_JPEG_INIT", jpegInit},
	{"OV2640_YUV422", yuv422},
	{"OV2640_JPEG", jpegMode},
	{"COM10", []reg{{regBank, bankSensor}, {regCOM10, 0x00}}},
}

func jpegOut(w, h, outH int, name string, t []reg) mode {
	return mode{
		format: device.JPEG,
		size:   image.Pt(w, h),
		out:    image.Pt(w, outH),
		tables: append(append([]table(nil), jpegSetup...), table{name, t}),
	}
}

// modes are the supported outputs, smallest first.
var modes = []mode{
	jpegOut(160, 120, 120, "OV2640_160x120_JPEG", jpeg160x120),
	jpegOut(176, 144, 144, "OV2640_176x144_JPEG", jpeg176x144),
	jpegOut(320, 240, 240, "OV2640_320x240_JPEG", jpeg320x240),
	jpegOut(352, 288, 288, "OV2640_352x288_JPEG", jpeg352x288),
	jpegOut(640, 480, 480, "OV2640_640x480_JPEG", jpeg640x480),
	jpegOut(800, 600, 600, "OV2640_800x600_JPEG", jpeg800x600),
	jpegOut(1024, 768, 768, "OV2640_1024x768_JPEG", jpeg1024x768),
	// The vendor's table programs 960 output lines (see tables.go).
	jpegOut(1280, 1024, 960, "OV2640_1280x1024_JPEG", jpeg1280x1024),
	jpegOut(1600, 1200, 1200, "OV2640_1600x1200_JPEG", jpeg1600x1200),
	{
		format: device.RGB565BE,
		size:   image.Pt(320, 240),
		out:    image.Pt(320, 240),
		tables: []table{{"OV2640_QVGA", rgb565QVGA}},
	},
}

// Sizes lists the frame sizes the driver can ask for in format f (the
// vendor's names: the 1280x1024 JPEG mode delivers 1280x960).
func Sizes(f device.Format) []image.Point {
	var s []image.Point
	for _, m := range modes {
		if m.format == f {
			s = append(s, m.size)
		}
	}
	return s
}

func findMode(f device.Format, size image.Point) (mode, error) {
	for _, m := range modes {
		if m.format == f && m.size == size {
			return m, nil
		}
	}
	if len(Sizes(f)) == 0 {
		return mode{}, fmt.Errorf("arducam: format %v not supported (want %v or %v)", f, device.JPEG, device.RGB565BE)
	}
	return mode{}, fmt.Errorf("arducam: %v size %dx%d not supported (one of %v)", f, size.X, size.Y, Sizes(f))
}
