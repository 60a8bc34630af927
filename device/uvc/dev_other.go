//go:build !linux

package uvc

import (
	"context"
	"errors"
	"time"

	"github.com/edgecache/edgecache/device"
)

// Opts configures a webcam (see the Linux build).
type Opts struct {
	Format        device.Format
	Width, Height int
	Timeout       time.Duration
}

// Dev is a webcam; V4L2 exists on Linux only.
type Dev struct{}

// New fails: UVC capture goes through V4L2, which only Linux has.
func New(path string, opts *Opts) (*Dev, error) {
	return nil, errors.New("uvc: webcams are read through Video4Linux2, on Linux only")
}

func (d *Dev) Mode() Mode     { return Mode{} }
func (d *Dev) String() string { return "uvc(unsupported)" }
func (d *Dev) Close() error   { return nil }
func (d *Dev) Next(context.Context) (device.Frame, error) {
	return device.Frame{}, errors.New("uvc: unsupported")
}
