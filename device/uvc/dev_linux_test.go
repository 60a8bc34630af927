//go:build linux

package uvc

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/edgecache/edgecache/device"
)

// fakeCam stands in for a V4L2 device: the formats and sizes it offers,
// what VIDIOC_S_FMT makes of a request, and the frames it delivers (a nil
// frame is a poll that times out). Like the driver, it reuses a frame's
// buffer once the frame is released, so a Dev that kept the driver's
// memory would see it change.
type fakeCam struct {
	formats  map[webcam.PixelFormat]string
	sizes    map[webcam.PixelFormat][]webcam.FrameSize
	set      func(f webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error)
	startErr error
	waitErr  error
	frames   [][]byte

	asked         [3]uint32
	next          int
	held          []byte
	started, shut bool
}

func (c *fakeCam) GetSupportedFormats() map[webcam.PixelFormat]string { return c.formats }
func (c *fakeCam) GetSupportedFrameSizes(f webcam.PixelFormat) []webcam.FrameSize {
	return c.sizes[f]
}

func (c *fakeCam) SetImageFormat(f webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error) {
	c.asked = [3]uint32{uint32(f), w, h}
	if c.set != nil {
		return c.set(f, w, h)
	}
	return f, w, h, nil
}

func (c *fakeCam) StartStreaming() error { c.started = true; return c.startErr }
func (c *fakeCam) Close() error          { c.shut = true; return nil }

func (c *fakeCam) WaitForFrame(uint32) error {
	if c.waitErr != nil {
		return c.waitErr
	}
	if c.next >= len(c.frames) || c.frames[c.next] == nil {
		c.next++
		time.Sleep(time.Millisecond)
		return new(webcam.Timeout)
	}
	return nil
}

func (c *fakeCam) GetFrame() ([]byte, uint32, error) {
	c.held = bytes.Clone(c.frames[c.next])
	c.next++
	if len(c.held) == 0 {
		time.Sleep(time.Millisecond) // a dropped frame still takes a frame time
	}
	return c.held, uint32(c.next - 1), nil
}

func (c *fakeCam) ReleaseFrame(uint32) error {
	for i := range c.held {
		c.held[i] = 0xEE // the driver fills the buffer again
	}
	return nil
}

func discrete(w, h uint32) webcam.FrameSize {
	return webcam.FrameSize{MinWidth: w, MaxWidth: w, MinHeight: h, MaxHeight: h}
}

func newFake(frames ...[]byte) *fakeCam {
	return &fakeCam{
		formats: map[webcam.PixelFormat]string{
			webcam.PixelFormat(FourCCMJPEG): "Motion-JPEG",
			webcam.PixelFormat(FourCCYUYV):  "YUYV 4:2:2",
		},
		sizes: map[webcam.PixelFormat][]webcam.FrameSize{
			webcam.PixelFormat(FourCCMJPEG): {discrete(640, 480), discrete(320, 240)},
			webcam.PixelFormat(FourCCYUYV):  {discrete(640, 480), discrete(320, 240)},
		},
		frames: frames,
	}
}

func TestStart(t *testing.T) {
	c := newFake()
	d, err := start("/dev/video9", c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := d.Mode(); m != (Mode{FourCCMJPEG, device.JPEG, 320, 240}) || c.asked != [3]uint32{FourCCMJPEG, 320, 240} || !c.started {
		t.Fatalf("mode %+v, asked %v", m, c.asked)
	}
	if s := d.String(); s != "uvc(/dev/video9, MJPG 320x240)" {
		t.Errorf("String %q", s)
	}
	// The driver may adjust the size: frames come at its size.
	c = newFake()
	c.set = func(f webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error) {
		return f, 352, 288, nil
	}
	if d, err = start("/dev/video9", c, &Opts{Format: device.YUYV}); err != nil || d.Mode() != (Mode{FourCCYUYV, device.YUYV, 352, 288}) {
		t.Fatalf("adjusted: %+v %v", d.Mode(), err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(*fakeCam)
		detail string
	}{
		{"no usable format", func(c *fakeCam) {
			delete(c.formats, webcam.PixelFormat(FourCCMJPEG))
			delete(c.formats, webcam.PixelFormat(FourCCYUYV))
		}, "offers no"},
		{"set fails", func(c *fakeCam) {
			c.set = func(webcam.PixelFormat, uint32, uint32) (webcam.PixelFormat, uint32, uint32, error) {
				return 0, 0, 0, errors.New("EBUSY")
			}
		}, "set MJPG 320x240: EBUSY"},
		{"driver picks another format", func(c *fakeCam) {
			c.set = func(_ webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error) {
				return webcam.PixelFormat(FourCCYUYV), w, h, nil
			}
		}, "the driver set YUYV 320x240"},
		{"driver size beyond UVC", func(c *fakeCam) {
			c.set = func(f webcam.PixelFormat, _, _ uint32) (webcam.PixelFormat, uint32, uint32, error) {
				return f, 1 << 31, 240, nil
			}
		}, "the driver set MJPG 2147483648x240"},
		{"start fails", func(c *fakeCam) { c.startErr = errors.New("ENOMEM") }, "start: ENOMEM"},
	} {
		c := newFake()
		tc.edit(c)
		if _, err := start("/dev/video9", c, nil); err == nil || !strings.Contains(err.Error(), tc.detail) || !c.shut {
			t.Errorf("%s: %v (closed %v), want %q", tc.name, err, c.shut, tc.detail)
		}
	}
}

// yuyvFrame is a w x h YUYV frame with rows stride bytes apart, every byte
// a function of its position.
func yuyvFrame(w, h, stride int) []byte {
	b := make([]byte, stride*h)
	for i := range b {
		b[i] = byte(i*13 + i/stride)
	}
	return b
}

func TestNextYUYV(t *testing.T) {
	packed, padded := yuyvFrame(320, 240, 640), yuyvFrame(320, 240, 704)
	c := newFake(nil, packed, padded, packed[:1000])
	d, err := start("/dev/video9", c, &Opts{Format: device.YUYV})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, want := range []struct {
		data   []byte
		stride int
	}{{packed, 640}, {padded, 704}} {
		f, err := d.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Format != device.YUYV || f.Width != 320 || f.Height != 240 || f.Stride != want.stride || f.Seq != uint64(i) || !bytes.Equal(f.Data, want.data) {
			t.Fatalf("frame %d: %v %dx%d stride %d seq %d, same bytes %v", i, f.Format, f.Width, f.Height, f.Stride, f.Seq, bytes.Equal(f.Data, want.data))
		}
	}
	if _, err := d.Next(ctx); err == nil || !strings.Contains(err.Error(), "uvc: /dev/video9: 320x240 frame of 1000 bytes") {
		t.Errorf("truncated frame: %v", err)
	}
}

// jpegs returns a colour JPEG with its Huffman tables and the same frame
// without them, as many webcams send MJPEG.
func jpegs(t *testing.T, w, h int) (full, bare []byte) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 5)
	}
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	full = buf.Bytes()
	bare = []byte{0xff, 0xd8}
	i := 2
	for full[i+1] != 0xda {
		n := int(full[i+2])<<8 | int(full[i+3])
		if full[i+1] != 0xc4 {
			bare = append(bare, full[i:i+2+n]...)
		}
		i += 2 + n
	}
	return full, append(bare, full[i:]...)
}

func TestNextMJPEG(t *testing.T) {
	a, abare := jpegs(t, 320, 240)
	b, bbare := jpegs(t, 64, 48)
	if _, err := jpeg.Decode(bytes.NewReader(abare)); err == nil {
		t.Fatal("a frame without tables decodes: the test shows nothing")
	}
	c := newFake(abare, bbare, a, abare, b)
	d, err := start("/dev/video9", c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{a, b, a, a, b} {
		f, err := d.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		ref, _ := jpeg.Decode(bytes.NewReader(want))
		if !bytes.Equal(got.(*image.YCbCr).Y, ref.(*image.YCbCr).Y) {
			t.Fatalf("frame %d decodes to another picture", i)
		}
		if i == 2 && !bytes.Equal(f.Data, a) {
			t.Errorf("a frame with its tables was changed")
		}
	}
}

func TestNextFaults(t *testing.T) {
	ctx := context.Background()
	d, err := start("/dev/video9", newFake(), &Opts{Timeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := d.Next(ctx); err == nil || !strings.Contains(err.Error(), "no frame for 30ms") || time.Since(t0) < 30*time.Millisecond {
		t.Errorf("silent camera: %v after %v", err, time.Since(t0))
	}
	empty := make([][]byte, 1000)
	for i := range empty {
		empty[i] = []byte{}
	}
	d, _ = start("/dev/video9", newFake(empty...), &Opts{Timeout: 20 * time.Millisecond})
	if _, err := d.Next(ctx); err == nil || !strings.Contains(err.Error(), "only empty frames for 20ms") {
		t.Errorf("empty frames: %v", err)
	}
	c := newFake()
	c.waitErr = errors.New("ENODEV")
	d, _ = start("/dev/video9", c, nil)
	if _, err := d.Next(ctx); err == nil || !strings.Contains(err.Error(), "uvc: /dev/video9: wait: ENODEV") {
		t.Errorf("unplugged: %v", err)
	}
	d, _ = start("/dev/video9", newFake(), nil)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
