// Package device is the board's camera side: a Source yields Frames, whoever
// made them (the ArduCAM OV2640 over SPI/I2C through periph.io, a UVC webcam,
// or a folder replayed as if it were a camera). It knows nothing of networks:
// turning a frame into the network's input is the caller's job, so the data
// flows one way, device -> model.
package device

import (
	"context"
	"errors"
	"image"
	"time"
)

// Frame is one captured image.
type Frame struct {
	Image image.Image
	Seq   uint64    // 0 for the first frame of a source, then +1 per frame
	Time  time.Time // when it was captured (replay: when it was read)
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
