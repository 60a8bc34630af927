package arducam

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
)

// scene draws a w x h test picture: colour gradients and a dark disc, so
// a JPEG of it differs visibly from a JPEG of anything else.
func scene(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := w/3, h/2, min(w, h)/4
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(255 * x / w), uint8(255 * y / h), uint8(128 + 127*(x-y)/(w+h)), 255}
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r {
				c = color.NRGBA{20, 30, 200, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// fastOpts are DefaultOpts without the 100 ms reset wait.
func fastOpts(f device.Format, size image.Point) *Opts {
	o := DefaultOpts
	o.Format, o.Size, o.ResetDelay = f, size, time.Microsecond
	return &o
}

func open(t testing.TB, s *arducamtest.Sim, o *Opts) *Dev {
	t.Helper()
	d, err := New(s.SPI(), s.I2C(), o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// meanAbsDiff is the mean absolute difference of two same-sized images'
// RGB channels, on a 0-255 scale.
func meanAbsDiff(a, b image.Image) float64 {
	r := a.Bounds()
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x-r.Min.X+b.Bounds().Min.X, y-r.Min.Y+b.Bounds().Min.Y).RGBA()
			for _, d := range [...]int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				sum += float64(max(d, -d))
				n++
			}
		}
	}
	return sum / n
}

func TestCaptureJPEGEverySize(t *testing.T) {
	src := scene(400, 300)
	for _, size := range Sizes(device.JPEG) {
		if testing.Short() && size.X > 640 {
			continue
		}
		t.Run(strings.ReplaceAll(image.Rectangle{Max: size}.String(), " ", ""), func(t *testing.T) {
			s := arducamtest.New(src)
			s.Padding = 1000 // the driver must find the JPEG's end itself
			d := open(t, s, fastOpts(device.JPEG, size))
			f, err := d.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != device.JPEG || f.Width != d.Size().X || f.Height != d.Size().Y {
				t.Fatalf("frame %v %dx%d, want jpeg %v", f.Format, f.Width, f.Height, d.Size())
			}
			if !bytes.HasPrefix(f.Data, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(f.Data, []byte{0xFF, 0xD9}) {
				t.Fatalf("frame not framed SOI..EOI: % X ... % X", f.Data[:4], f.Data[len(f.Data)-4:])
			}
			img, err := jpeg.Decode(bytes.NewReader(f.Data))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != d.Size() {
				t.Fatalf("decoded %v, want %v", got, d.Size())
			}
			if d.Size() != s.OutputSize() {
				t.Fatalf("driver says %v, sensor registers program %v", d.Size(), s.OutputSize())
			}
			// The picture is the scene: JPEG at quality 85 stays within a
			// few levels; any other picture is tens of levels away.
			if e := meanAbsDiff(img, arducamtest.Scale(src, d.Size())); e > 6 {
				t.Errorf("decoded frame differs from the scene by %.1f levels on average", e)
			}
		})
	}
}

// The vendor's 1280x1024 table programs 960 lines; the driver says so.
func TestSize1280(t *testing.T) {
	m, err := findMode(device.JPEG, image.Pt(1280, 1024))
	if err != nil {
		t.Fatal(err)
	}
	if m.out != image.Pt(1280, 960) {
		t.Fatalf("out %v", m.out)
	}
}

func TestCaptureRGB565(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	s := arducamtest.New(src)
	s.Padding = 8
	d := open(t, s, fastOpts(device.RGB565BE, image.Pt(320, 240)))
	f, err := d.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != device.RGB565BE || f.Width != 320 || f.Height != 240 || len(f.Data) != 320*240*2 {
		t.Fatalf("frame %v %dx%d, %d bytes", f.Format, f.Width, f.Height, len(f.Data))
	}
	for i := range 320 * 240 {
		p := src.Pix[4*i:]
		v := uint16(f.Data[2*i])<<8 | uint16(f.Data[2*i+1])
		if r, g, b := v>>11, v>>5&63, v&31; r != uint16(p[0]>>3) || g != uint16(p[1]>>2) || b != uint16(p[2]>>3) {
			t.Fatalf("pixel %d: 565 (%d,%d,%d) from RGB (%d,%d,%d)", i, r, g, b, p[0], p[1], p[2])
		}
	}
}

// countPort records every SPI transfer's length and first byte.
type countPort struct {
	spi.Port
	mu    sync.Mutex
	sizes []int
	first []byte
}

func (p *countPort) Connect(f physic.Frequency, m spi.Mode, bits int) (spi.Conn, error) {
	c, err := p.Port.Connect(f, m, bits)
	if err != nil {
		return nil, err
	}
	return &countConn{c.(*arducamtest.Conn), p}, nil
}

type countConn struct {
	*arducamtest.Conn // keeps MaxTxSize (conn.Limits)
	p                 *countPort
}

func (c *countConn) Tx(w, r []byte) error {
	c.p.mu.Lock()
	c.p.sizes = append(c.p.sizes, len(w))
	c.p.first = append(c.p.first, w[0])
	c.p.mu.Unlock()
	return c.Conn.Tx(w, r)
}

// bursts returns the count and total data bytes of burst transfers, and
// the largest transfer.
func (p *countPort) bursts() (n, data, largest int) {
	for i, s := range p.sizes {
		largest = max(largest, s)
		if p.first[i] == cmdBurst {
			n++
			data += s - 1
		}
	}
	return n, data, largest
}

func TestBurstChunking(t *testing.T) {
	const frame = 320 * 240 * 2
	for _, tc := range []struct {
		name         string
		portMax, opt int
		want         int // transfer size used
	}{
		{"port 4096", 4096, 0, 4096},
		{"port 64", 64, 0, 64},
		{"opts below port", 4096, 64, 64},
		{"opts above port", 64, 4096, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := arducamtest.New(scene(320, 240))
			s.MaxTxSize = tc.portMax
			p := &countPort{Port: s.SPI()}
			o := fastOpts(device.RGB565BE, image.Pt(320, 240))
			o.MaxTxSize = tc.opt
			d, err := New(p, s.I2C(), o)
			if err != nil {
				t.Fatal(err)
			}
			b, err := d.Capture(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, arducamtest.RGB565(scene(320, 240))) {
				t.Fatal("frame differs from the scene")
			}
			n, data, largest := p.bursts()
			if want := (frame + tc.want - 2) / (tc.want - 1); n != want || data != frame || largest != tc.want {
				t.Errorf("%d bursts, %d bytes, largest transfer %d; want %d, %d, %d", n, data, largest, want, frame, tc.want)
			}
		})
	}
}

// A padded JPEG is read only up to the transfer holding its end marker.
func TestBurstStopsAtJPEGEnd(t *testing.T) {
	s := arducamtest.New(scene(160, 120))
	s.Padding = 50000
	s.MaxTxSize = 64
	p := &countPort{Port: s.SPI()}
	d, err := New(p, s.I2C(), fastOpts(device.JPEG, image.Pt(160, 120)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, data, _ := p.bursts()
	if data >= len(b)+63 {
		t.Errorf("read %d FIFO bytes for a %d-byte JPEG", data, len(b))
	}
}

func TestTimeout(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	o := fastOpts(device.JPEG, image.Pt(320, 240))
	o.Timeout = 30 * time.Millisecond
	d := open(t, s, o)
	s.Faults.NeverDone = true
	start := time.Now()
	_, err := d.Next(context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el < o.Timeout {
		t.Errorf("gave up after %v, before the %v timeout", el, o.Timeout)
	}
	s.Faults.NeverDone = false
	if _, err := d.Next(context.Background()); err != nil {
		t.Fatalf("capture after a timeout: %v", err)
	}
}

// The done bit rises CaptureDelay after the start, on the Sim's clock.
func TestCaptureDelayFakeClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	s := arducamtest.New(scene(320, 240))
	s.CaptureDelay = time.Hour
	s.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute) // every look at the clock is a minute later
		return now
	}
	o := fastOpts(device.JPEG, image.Pt(320, 240))
	o.PollInterval = time.Microsecond
	d := open(t, s, o)
	if _, err := d.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if el := now.Sub(time.Unix(0, 0)); el < time.Hour {
		t.Errorf("done after %v of sim time, delay is 1h", el)
	}
}

func TestContextCancel(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	d := open(t, s, fastOpts(device.JPEG, image.Pt(320, 240)))
	s.Faults.NeverDone = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := d.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want context.DeadlineExceeded", err)
	}
}

func TestHaltAndWake(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	d := open(t, s, fastOpts(device.JPEG, image.Pt(320, 240)))
	s.Faults.NeverDone = true
	errc := make(chan error)
	go func() {
		_, err := d.Next(context.Background())
		errc <- err
	}()
	for s.Captures() == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrHalted) {
		t.Fatalf("capture during Halt: %v, want ErrHalted", err)
	}
	if s.Reg(1, regCOM2)&com2Standby == 0 {
		t.Fatal("sensor not in standby after Halt")
	}
	s.Faults.NeverDone = false
	if _, err := d.Next(context.Background()); err != nil {
		t.Fatalf("capture after Halt: %v", err)
	}
	if s.Reg(1, regCOM2) != com2Drive {
		t.Fatalf("COM2 0x%02X after waking", s.Reg(1, regCOM2))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestSeqAndCycle(t *testing.T) {
	a, b := scene(320, 240), image.NewNRGBA(image.Rect(0, 0, 320, 240))
	s := arducamtest.New(a, b)
	d := open(t, s, fastOpts(device.RGB565BE, image.Pt(320, 240)))
	for i, want := range []image.Image{a, b, a} {
		f, err := d.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq != uint64(i) || !bytes.Equal(f.Data, arducamtest.RGB565(want)) {
			t.Fatalf("frame %d: seq %d, right picture %v", i, f.Seq, bytes.Equal(f.Data, arducamtest.RGB565(want)))
		}
	}
}

// The init sequence resets the sensor, then writes the format's tables.
func TestInitWrites(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	open(t, s, fastOpts(device.JPEG, image.Pt(640, 480)))
	w := s.Writes()
	reset := -1
	for i, x := range w {
		if x.Bank == 1 && x.Reg == 0x12 && x.Val == 0x80 {
			reset = i
		}
	}
	if reset < 0 {
		t.Fatal("no COM7 reset written")
	}
	want := len(jpegInit) + len(yuv422) + len(jpegMode) + 2 + len(jpeg640x480)
	if got := len(w) - reset - 1; got != want {
		t.Errorf("%d writes after the reset, want %d", got, want)
	}
	if s.Reg(0, 0xDA) != 0x10 || s.OutputSize() != image.Pt(640, 480) {
		t.Errorf("IMAGE_MODE 0x%02X, output %v", s.Reg(0, 0xDA), s.OutputSize())
	}
}

func TestNewFromDir(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scene(64, 48), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jpg"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 32))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "b.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := arducamtest.NewFromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, s, fastOpts(device.JPEG, image.Pt(160, 120)))
	for i := range 2 {
		f, err := d.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Size() != image.Pt(160, 120) {
			t.Fatalf("frame %d is %v", i, img.Bounds().Size())
		}
	}
	if _, err := arducamtest.NewFromDir(t.TempDir()); err == nil {
		t.Error("empty folder accepted")
	}
}

// A port that allows huge transfers (conn.Limits is the port's word) costs
// no more than the FIFO: the burst buffers stop at its size.
func TestHugePortLimit(t *testing.T) {
	s := arducamtest.New(scene(320, 240))
	s.MaxTxSize = 1 << 30
	d := open(t, s, fastOpts(device.RGB565BE, image.Pt(320, 240)))
	if d.maxTx != maxFIFO+1 || len(d.w) != maxFIFO+1 {
		t.Fatalf("transfer size %d, buffers %d; want %d", d.maxTx, len(d.w), maxFIFO+1)
	}
	b, err := d.Capture(context.Background())
	if err != nil || !bytes.Equal(b, arducamtest.RGB565(scene(320, 240))) {
		t.Fatalf("capture: %v", err)
	}
}
