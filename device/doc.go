// Package device is the board's camera side: a Source yields Frames, whoever
// made them (the ArduCAM OV2640 over SPI/I2C through periph.io, a Pi camera
// module through an MJPEG pipe, a UVC webcam, or a folder replayed as if it
// were a camera). It knows nothing of networks: turning a frame into the
// network's input is device/frame's job, called by the consumer, so the data
// flows one way, device -> model.
package device

import (
	"context"
	"errors"
	"image"
	"time"
)

// Frame is one captured image, either decoded (Image) or as the camera sent
// it (Data in Format). A camera hands over its bytes undecoded: the consumer
// decodes once, straight into the form it needs (device/frame decodes JPEG
// to YCbCr planes and averages them down to the network's input), so a
// camera never pays for a decode the pipeline would redo.
type Frame struct {
	// Image is the decoded picture, for sources that hold one already (a
	// replayed PNG). When Image is non-nil, Data and Format are unused.
	Image image.Image

	// Data is the frame's bytes in Format when Image is nil. A source may
	// reuse Data's memory for a later frame, so that capture allocates
	// nothing per frame: a consumer that keeps a frame past the source's
	// next Next call must copy Data.
	Data []byte
	// Format says how Data is encoded.
	Format Format
	// Width and Height are the picture's size in pixels. For raw formats
	// (RGB565BE, YUYV) they are required, as the bytes do not carry them;
	// for JPEG they are what the camera was asked for, or 0 when unknown:
	// the JPEG header is authoritative.
	Width, Height int
	// Stride is the number of bytes from the start of one row to the next
	// in raw formats; 0 means rows are packed (Width * Format.BytesPerPixel).
	// V4L2 drivers may pad rows (bytesperline).
	Stride int

	Seq  uint64    // 0 for the first frame of a source, then +1 per frame
	Time time.Time // when it was captured (replay: when it was read)
	// Name identifies the frame's origin where there is one (a replayed
	// file's path), so results can be traced back to inputs.
	Name string
}

// Source is a camera: Next blocks until a frame is ready or ctx ends.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	// Close releases the source (but not a bus or port it was given: the
	// application owns those, as in periph.io).
	Close() error
	String() string
}

// ErrEnd is returned by Next when a finite source (a replay) has no more
// frames; a live camera never returns it.
var ErrEnd = errors.New("device: end of frames")
