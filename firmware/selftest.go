package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
)

// selfTest checks what a board needs before it is left alone: the bundle
// read and passed its checks and the LED's pin was found (done by the
// caller), the camera delivers a frame within the capture timeout, and the
// frame classifies. It prints what it found and returns the first failure,
// so the exit status tells an installer or a service manager whether the
// board is ready.
func selfTest(ctx context.Context, cfg *config, b *bundle.Bundle, cam device.Source, cl *bundle.Classifier, led *indicator, w io.Writer) error {
	if err := b.Describe(w); err != nil {
		return err
	}
	if led != nil {
		fmt.Fprintf(w, "led       %s, on while %s is seen with at least %.2f\n", cfg.LED, cfg.LEDClass, cfg.LEDMin)
	}
	fmt.Fprintf(w, "camera    %v\n", cam)
	cctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.CaptureTimeout))
	defer cancel()
	t := time.Now()
	f, err := cam.Next(cctx)
	if err != nil {
		fmt.Fprintln(w, "selftest  FAIL: camera")
		return fmt.Errorf("selftest: camera: %w", err)
	}
	capture := time.Since(t)
	r, err := cl.Classify(f)
	if err != nil {
		fmt.Fprintln(w, "selftest  FAIL: frame")
		return fmt.Errorf("selftest: frame %d: %w", f.Seq, err)
	}
	size := fmt.Sprintf("%dx%d %v", f.Width, f.Height, f.Format)
	if f.Image != nil {
		bd := f.Image.Bounds()
		size = fmt.Sprintf("%dx%d image", bd.Dx(), bd.Dy())
	}
	top := cl.Top(r, 3)
	fmt.Fprintf(w, "frame     %s in %.1f ms; preprocess %.3f ms, network %.3f ms, cache %.3f ms\n",
		size, ms(capture), ms(r.Preprocess), ms(r.Network), ms(r.Cache))
	for _, t := range top {
		fmt.Fprintf(w, "          %-12s %.3f\n", t.Label, t.Prob)
	}
	fmt.Fprintln(w, "selftest  OK")
	return nil
}
