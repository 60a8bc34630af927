package device

import "fmt"

// Format is the encoding of a Frame's Data.
type Format uint8

const (
	// None: the frame carries no Data (its Image is set).
	None Format = iota
	// JPEG is a baseline or progressive JFIF/EXIF JPEG, whole (SOI to EOI):
	// what an OV2640 in JPEG mode, an MJPEG webcam or rpicam-vid --codec
	// mjpeg send.
	JPEG
	// RGB565BE is 16 bits per pixel, rows top to bottom, each pixel's high
	// byte first: RRRRRGGG GGGBBBBB. The OV2640's RGB565 output order
	// (OmniVision OV2640 datasheet, DVP output formats).
	RGB565BE
	// YUYV is packed YUV 4:2:2, 2 bytes per pixel: Y0 U Y1 V for each pair
	// of pixels, the two sharing U and V (V4L2_PIX_FMT_YUYV, Linux kernel
	// media documentation "Packed YUV formats"; BT.601 limited range is
	// what UVC webcams send).
	YUYV
)

// BytesPerPixel is the size of a pixel in raw formats, 0 for JPEG and None.
func (f Format) BytesPerPixel() int {
	switch f {
	case RGB565BE, YUYV:
		return 2
	}
	return 0
}

func (f Format) String() string {
	switch f {
	case None:
		return "none"
	case JPEG:
		return "jpeg"
	case RGB565BE:
		return "rgb565be"
	case YUYV:
		return "yuyv"
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}
