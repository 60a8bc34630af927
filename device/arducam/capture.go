package arducam

import (
	"context"
	"fmt"
	"time"

	"github.com/edgecache/edgecache/device"
)

// capture runs one capture: clear the done flag, reset the FIFO pointers,
// start, wait for done, read the length, burst-read the frame. buf is
// reused when large enough; capture returns it (grown) and the frame
// within it.
func (d *Dev) capture(ctx context.Context, buf []byte) (whole, frame []byte, err error) {
	if d.closed {
		return buf, nil, ErrClosed
	}
	if d.standby {
		if err := d.wake(); err != nil {
			return buf, nil, err
		}
	}
	for _, v := range [...]byte{fifoClear, fifoResetPtr, fifoStart} {
		if err := d.chip.write(regFIFO, v); err != nil {
			return buf, nil, err
		}
	}
	if err := d.waitDone(ctx); err != nil {
		return buf, nil, err
	}
	n, err := d.chip.fifoLen()
	if err != nil {
		return buf, nil, err
	}
	switch {
	case n == 0:
		return buf, nil, fmt.Errorf("%w: FIFO empty after capture", ErrBadFrame)
	case n > maxFIFO:
		return buf, nil, fmt.Errorf("%w: FIFO length %d exceeds the module's %d-byte buffer", ErrBadFrame, n, maxFIFO)
	}
	if !d.isJPEG() {
		need := d.mode.out.X * d.mode.out.Y * 2
		if n < need {
			return buf, nil, fmt.Errorf("%w: FIFO holds %d bytes, a %dx%d RGB565 frame needs %d", ErrBadFrame, n, d.mode.out.X, d.mode.out.Y, need)
		}
		n = need // the rest is padding
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	var done func(int) bool
	var j jpegBounds
	if d.isJPEG() {
		j = newJPEGBounds()
		// The FIFO length is padded past the JPEG's end: stop there.
		done = func(k int) bool { return j.scan(buf[:k]) }
	}
	got, err := d.chip.burst(buf, d.maxTx, d.w, d.r, done)
	if err != nil {
		return buf, nil, err
	}
	if err := d.chip.write(regFIFO, fifoClear); err != nil {
		return buf, nil, err
	}
	if !d.isJPEG() {
		return buf, buf, nil
	}
	f, err := j.frame(buf[:got])
	return buf, f, err
}

func (d *Dev) isJPEG() bool { return d.mode.format == device.JPEG }

// waitDone polls the capture-done bit until it is set, the timeout passes,
// ctx ends or Halt is called.
func (d *Dev) waitDone(ctx context.Context) error {
	deadline := time.Now().Add(d.opts.Timeout)
	t := time.NewTimer(0)
	defer t.Stop()
	<-t.C
	for {
		st, err := d.chip.read(regStatus)
		if err != nil {
			return err
		}
		if st&statusDone != 0 {
			return nil
		}
		if d.halting.Load() {
			return ErrHalted
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%w: no frame after %v (status 0x%02X)", ErrTimeout, d.opts.Timeout, st)
		}
		t.Reset(d.opts.PollInterval)
		select {
		case <-ctx.Done():
			return fmt.Errorf("arducam: capture: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// wake takes the sensor out of the standby Halt put it in.
func (d *Dev) wake() error {
	if err := d.sensor.write(regBank, bankSensor); err != nil {
		return err
	}
	if err := d.sensor.write(regCOM2, com2Drive); err != nil {
		return err
	}
	d.standby = false
	return nil
}
