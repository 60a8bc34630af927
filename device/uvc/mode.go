// Package uvc is a USB webcam (UVC) as a device.Source, through Video4Linux2
// in pure Go (github.com/blackjack/webcam: ioctls, no cgo), so the firmware
// still cross-compiles with CGO_ENABLED=0. Frames are handed over as the
// camera sends them, MJPEG as JPEG and YUYV as raw 4:2:2 bytes, for
// device/frame to decode; an MJPEG frame without Huffman tables, as many
// webcams send them, gets the standard tables it implies
// (mjpeg.AddHuffman). Capture is Linux only; the choice of format and size
// (this file) is plain logic, tested anywhere, and the capture code is
// tested against a stand-in for the V4L2 device.
package uvc

import (
	"fmt"
	"sort"

	"github.com/edgecache/edgecache/device"
)

// FourCC codes of the two formats taken, as V4L2 numbers them (Linux
// include/uapi/linux/videodev2.h: v4l2_fourcc(a, b, c, d) = a | b<<8 |
// c<<16 | d<<24).
const (
	FourCCMJPEG uint32 = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	FourCCYUYV  uint32 = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

// Size is one frame size a camera offers for a format: discrete when Min
// and Max agree, otherwise a stepwise range (V4L2 VIDIOC_ENUM_FRAMESIZES).
type Size struct {
	MinWidth, MaxWidth, StepWidth    uint32
	MinHeight, MaxHeight, StepHeight uint32
}

// Mode is a format and size to capture.
type Mode struct {
	FourCC        uint32
	Format        device.Format
	Width, Height int
}

// Choose picks the capture mode: the format asked for (device.JPEG or
// device.YUYV; device.None prefers MJPEG, whose frames are a tenth of the
// bytes over USB 2 and let the camera run at full rate) and, among that
// format's sizes, the smallest that is at least width x height, or the
// largest when none is. formats maps a FourCC to its description, sizes
// lists a format's sizes: what the camera reports.
func Choose(formats map[uint32]string, sizes func(uint32) []Size, want device.Format, width, height int) (Mode, error) {
	order := []device.Format{device.JPEG, device.YUYV}
	if want != device.None {
		if want != device.JPEG && want != device.YUYV {
			return Mode{}, fmt.Errorf("uvc: format %v: a webcam is read as jpeg (MJPEG) or yuyv", want)
		}
		order = []device.Format{want}
	}
	if width < 1 || height < 1 {
		return Mode{}, fmt.Errorf("uvc: frame size %dx%d", width, height)
	}
	for _, f := range order {
		cc := FourCCMJPEG
		if f == device.YUYV {
			cc = FourCCYUYV
		}
		if _, ok := formats[cc]; !ok {
			continue
		}
		w, h, ok := pickSize(sizes(cc), width, height)
		if !ok {
			continue
		}
		return Mode{FourCC: cc, Format: f, Width: w, Height: h}, nil
	}
	var have []string
	for cc, d := range formats {
		have = append(have, fmt.Sprintf("%s (%s)", fourCC(cc), d))
	}
	sort.Strings(have)
	return Mode{}, fmt.Errorf("uvc: the camera offers no %v frames; it offers %v", order, have)
}

// maxSide bounds a frame's width and height: UVC frame descriptors carry
// them as 16-bit fields (USB Video Class 1.5, "Uncompressed Video Frame
// Descriptor" and "MJPEG Video Frame Descriptor": wWidth, wHeight), so a
// larger size a driver reports is not a UVC camera's and is skipped; it also
// keeps width*height*2 far inside a 32-bit board's int.
const maxSide = 1<<16 - 1

// pickSize chooses among the candidate sizes (each range offers its size
// nearest to the request).
func pickSize(sizes []Size, width, height int) (w, h int, ok bool) {
	best, bestArea, bestBig := [2]int{}, int64(0), false
	for _, s := range sizes {
		cw, ch := fit(s.MinWidth, s.MaxWidth, s.StepWidth, width), fit(s.MinHeight, s.MaxHeight, s.StepHeight, height)
		if cw < 1 || ch < 1 {
			continue
		}
		area := int64(cw) * int64(ch)
		big := cw >= width && ch >= height
		better := !ok || (big && !bestBig) || (big && bestBig && area < bestArea) || (!big && !bestBig && area > bestArea)
		if better {
			best, bestArea, bestBig, ok = [2]int{cw, ch}, area, big, true
		}
	}
	return best[0], best[1], ok
}

// fit is the value of a stepwise range nearest to v, at or above it where
// the range allows; 0 for a range that is empty or beyond maxSide. The
// sums are done in 64 bits: the range comes from the driver, and a step
// near 2^32 must not wrap.
func fit(lo, hi, step uint32, v int) int {
	if hi < lo {
		return 0
	}
	var r uint64
	switch {
	case int64(v) <= int64(lo) || lo == hi:
		r = uint64(lo)
	case step == 0 || int64(v) >= int64(hi):
		r = uint64(hi)
	default:
		n := (uint64(v) - uint64(lo) + uint64(step) - 1) / uint64(step)
		r = min(uint64(hi), uint64(lo)+n*uint64(step))
	}
	if r > maxSide {
		return 0
	}
	return int(r)
}

func fourCC(cc uint32) string {
	b := []byte{byte(cc), byte(cc >> 8), byte(cc >> 16), byte(cc >> 24)}
	return string(b)
}

// rawStride is the row stride of a raw frame of n bytes: packed rows, or
// rows padded by the driver (bytesperline) when n divides evenly, or packed
// rows followed by padding (a buffer filled to a rounded-up sizeimage).
// Sizes are multiplied in 64 bits, so a driver's claim cannot wrap a 32-bit
// int.
func rawStride(n, width, height, bpp int) (int, error) {
	if width < 1 || height < 1 || width > maxSide || height > maxSide {
		return 0, fmt.Errorf("frame size %dx%d", width, height)
	}
	row, size := int64(width)*int64(bpp), int64(width)*int64(bpp)*int64(height)
	switch {
	case int64(n) == size:
		return int(row), nil
	case n%height == 0 && int64(n/height) > row:
		return n / height, nil
	case int64(n) > size:
		return int(row), nil
	}
	return 0, fmt.Errorf("%dx%d frame of %d bytes, want %d: truncated", width, height, n, size)
}
