package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/mjpeg"
)

// recording plays an MJPEG file (or stdin) back frame by frame, every frame
// in order: the way to rerun what a camera recorded (rpicam-vid --codec
// mjpeg -o clip.mjpeg) through the board's path. A live stream wants
// mjpeg.Dev instead, which keeps only the newest frame.
type recording struct {
	name string
	r    io.ReadCloser
	mr   *mjpeg.Reader
	seq  uint64
}

var _ device.Source = (*recording)(nil)

func openRecording(path string) (*recording, error) {
	var r io.ReadCloser = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r = f
	}
	return &recording{name: path, r: r, mr: mjpeg.NewReader(r, 0)}, nil
}

func (rec *recording) Next(ctx context.Context) (device.Frame, error) {
	if err := ctx.Err(); err != nil {
		return device.Frame{}, err
	}
	data, err := rec.mr.Next()
	if errors.Is(err, io.EOF) {
		return device.Frame{}, device.ErrEnd
	}
	if err != nil {
		return device.Frame{}, fmt.Errorf("%s: %w", rec.name, err)
	}
	f := device.Frame{Data: data, Format: device.JPEG, Seq: rec.seq, Time: time.Now(),
		Name: fmt.Sprintf("%s#%d", rec.name, rec.seq)}
	rec.seq++
	return f, nil
}

func (rec *recording) Close() error   { return rec.r.Close() }
func (rec *recording) String() string { return "mjpeg recording " + rec.name }
