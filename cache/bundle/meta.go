package bundle

import (
	"fmt"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/device/frame"
)

// Meta is the bundle's description, stored as JSON in its META section.
type Meta struct {
	// Name is a free-form name for the deployment ("resnet32-cifar10-4MiB").
	Name string `json:"name"`
	// Classes are the class names in the network's output order.
	Classes []string `json:"classes"`
	// Preprocess says how a camera frame becomes the network's input.
	Preprocess Preprocess `json:"preprocess"`
	// Created is when the bundle was written (UTC).
	Created time.Time `json:"created"`
	// Teach is how the board turns taught examples into items of this
	// bundle's cache (nil: cache.DefaultLearnOpts, made for a fitted
	// cache of prototypes); the firmware's -teach-group and -teach-prior
	// override it.
	Teach *cache.LearnOpts `json:"teach,omitempty"`
	// Source records where the parts came from (model file, cache recipe,
	// tool version), for whoever finds the file on a board a year later.
	Source map[string]string `json:"source,omitempty"`
}

// Preprocess is the frame-to-tensor setting a bundle was built and measured
// with; device/frame applies it on the board.
type Preprocess struct {
	// ROI is the region of interest in device/frame.ParseROI's syntax:
	// "center" (the centred largest square, the default: a square network
	// input taken from a wide frame without distortion), "full", or a
	// rectangle "X,Y,W,H" (fractions of the frame with a decimal point, so
	// one bundle serves every camera resolution, or whole pixels).
	ROI string `json:"roi"`
	// Size is the side of the square input the network takes (32 for the
	// CIFAR ResNets); the region is area-averaged down to it.
	Size int `json:"size"`
	// FullDecode decodes JPEG frames at their full size (Go's image/jpeg)
	// instead of at the reduced scale the region allows (device/frame
	// Opts.FullDecode: about 2.5x faster on 320x240 frames, top-1 within
	// 0.3 points on simulated frames); false, the default, scales.
	FullDecode bool `json:"full_decode,omitempty"`
}

// DefaultPreprocess is the centred largest square, area-averaged to 32x32.
var DefaultPreprocess = Preprocess{ROI: "center", Size: 32}

// Region is the parsed ROI.
func (p Preprocess) Region() (frame.ROI, error) { return frame.ParseROI(p.ROI) }

// Converter is the frame converter these settings describe, taking frames
// of up to maxPixels pixels (0: frame.DefaultMaxPixels).
func (p Preprocess) Converter(maxPixels int) (*frame.Converter, error) {
	roi, err := p.Region()
	if err != nil {
		return nil, err
	}
	return frame.New(&frame.Opts{Size: p.Size, ROI: roi, MaxPixels: maxPixels, FullDecode: p.FullDecode})
}

// Validate refuses settings a board cannot apply.
func (p Preprocess) Validate() error {
	if _, err := p.Region(); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	if p.Size < 1 || p.Size > 4096 {
		return fmt.Errorf("preprocess: size %d (1 to 4096)", p.Size)
	}
	return nil
}

// LearnOpts is how the board teaches this bundle's cache: Teach, or the
// default.
func (m *Meta) LearnOpts() cache.LearnOpts {
	if m.Teach != nil {
		return *m.Teach
	}
	return cache.DefaultLearnOpts
}
