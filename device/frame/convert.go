package frame

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame/internal/jpegscale"
)

// DefaultSize is the CIFAR networks' input side.
const DefaultSize = 32

// DefaultMaxPixels bounds a frame's size: 16.7 million pixels, above the
// largest Raspberry Pi camera mode (the HQ camera's 4056x3040, 12.3 MP).
// A JPEG header or raw size claiming more is refused before any allocation.
const DefaultMaxPixels = 1 << 24

// Opts configures a Converter.
type Opts struct {
	// Size is the output's side: Size x Size pixels per channel. 0 means
	// DefaultSize.
	Size int
	// ROI is the part of each frame that is kept; the zero ROI is the
	// centred largest square.
	ROI ROI
	// MaxPixels refuses larger frames; 0 means DefaultMaxPixels.
	MaxPixels int
	// FullDecode decodes every JPEG frame at full size with image/jpeg.
	// By default a frame whose region of interest is at least 2*Size
	// pixels a side is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
	// (see scaled.go): faster, and within a fraction of a level of the full
	// decode's averages, but not bit for bit the same. FullDecode is the
	// escape hatch and the reference to compare with.
	FullDecode bool
}

// DefaultOpts gives the CIFAR networks' input from the centred largest
// square of each frame.
var DefaultOpts = Opts{}

// Converter turns frames into network input. It keeps its working memory
// between calls, so it is not safe for concurrent use: give each goroutine
// its own.
type Converter struct {
	n, maxPixels int
	roi          ROI
	fullDecode   bool

	lx, ly, cx, cy axis         // luma (or RGB) and chroma sampling tables
	rows           [3][]float32 // horizontally averaged rows, per channel
	planes         [3][]float32 // n x n averages per channel, before colour conversion
	line           [3][]uint8   // one unpacked source row per channel
	jr             bytes.Reader // feeds image/jpeg without a copy
	dec            jpegscale.Decoder
}

// New makes a Converter; opts nil means DefaultOpts.
func New(opts *Opts) (*Converter, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	c := &Converter{n: opts.Size, maxPixels: opts.MaxPixels, roi: opts.ROI, fullDecode: opts.FullDecode}
	if c.n == 0 {
		c.n = DefaultSize
	}
	if c.maxPixels == 0 {
		c.maxPixels = DefaultMaxPixels
	}
	if c.n < 1 || c.n > 4096 {
		return nil, fmt.Errorf("frame: output size %d, want 1 to 4096", opts.Size)
	}
	if c.maxPixels < 1 {
		return nil, fmt.Errorf("frame: max pixels %d", opts.MaxPixels)
	}
	if _, err := c.roi.Rect(1000, 1000); err != nil {
		return nil, err
	}
	c.dec.MaxPixels = c.maxPixels
	for i := range c.planes {
		c.planes[i] = make([]float32, c.n*c.n)
	}
	return c, nil
}

// Size is the output's side.
func (c *Converter) Size() int { return c.n }

// Len is the number of values Pixels writes: 3 x Size x Size.
func (c *Converter) Len() int { return 3 * c.n * c.n }

// Pixels writes frame f into dst (at least Len values) as the network's
// input: RGB planes (CHW), each pixel in [0, 1], the frame's region of
// interest averaged down (or up) to Size x Size. A frame that cannot be
// decoded (corrupt or truncated data, a size its bytes do not hold) is an
// error naming the problem, and dst is then undefined.
func (c *Converter) Pixels(dst []float32, f device.Frame) error {
	if len(dst) < c.Len() {
		return fmt.Errorf("frame: pixel buffer holds %d values, need %d", len(dst), c.Len())
	}
	dst = dst[:c.Len()]
	if f.Image != nil {
		return c.image(dst, f.Image)
	}
	switch f.Format {
	case device.JPEG:
		return c.jpeg(dst, f.Data)
	case device.RGB565BE, device.YUYV:
		stride, err := c.layout(f)
		if err != nil {
			return err
		}
		if f.Format == device.YUYV {
			return c.yuyv(dst, f.Data, f.Width, f.Height, stride)
		}
		return c.rgb565(dst, f.Data, f.Width, f.Height, stride)
	case device.None:
		return errors.New("frame: frame holds neither an image nor data")
	}
	return fmt.Errorf("frame: unknown pixel format %v", f.Format)
}

// layout checks a raw frame's size against its bytes and returns its row
// stride. The arithmetic is in int64: on a 32-bit board a camera's claimed
// size must not wrap int.
func (c *Converter) layout(f device.Frame) (int, error) {
	w, h := int64(f.Width), int64(f.Height)
	if w <= 0 || h <= 0 {
		return 0, fmt.Errorf("frame: %v frame of %dx%d pixels", f.Format, w, h)
	}
	if w*h > int64(c.maxPixels) {
		return 0, fmt.Errorf("frame: %v frame of %dx%d is over the %d-pixel limit", f.Format, w, h, c.maxPixels)
	}
	if f.Format == device.YUYV && w%2 != 0 {
		return 0, fmt.Errorf("frame: yuyv frame of odd width %d (pixels come in pairs)", w)
	}
	row := w * int64(f.Format.BytesPerPixel())
	stride := int64(f.Stride)
	if stride == 0 {
		stride = row
	}
	if stride < row {
		return 0, fmt.Errorf("frame: %v row stride %d is under the %d bytes of a %d-pixel row", f.Format, stride, row, w)
	}
	if need := stride*(h-1) + row; int64(len(f.Data)) < need {
		return 0, fmt.Errorf("frame: %v frame of %dx%d needs %d bytes, has %d (truncated?)", f.Format, w, h, need, len(f.Data))
	}
	return int(stride), nil
}

// region resolves the ROI for a w x h frame and sets the luma tables.
func (c *Converter) region(w, h int) (image.Rectangle, error) {
	if int64(w)*int64(h) > int64(c.maxPixels) {
		return image.Rectangle{}, fmt.Errorf("frame: %dx%d frame is over the %d-pixel limit", w, h, c.maxPixels)
	}
	r, err := c.roi.Rect(w, h)
	if err != nil {
		return r, err
	}
	c.lx.set(float64(r.Min.X), float64(r.Max.X), c.n)
	c.ly.set(float64(r.Min.Y), float64(r.Max.Y), c.n)
	for i := range c.rows {
		c.rows[i] = grow(c.rows[i], (c.ly.end()-c.ly.first())*c.n)
	}
	return r, nil
}

// lines makes the unpacked-row buffers hold w samples.
func (c *Converter) lines(w int) {
	for i := range c.line {
		if cap(c.line[i]) < w {
			c.line[i] = make([]uint8, w)
		}
		c.line[i] = c.line[i][:w]
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// jpeg decodes at reduced scale when the region of interest allows it
// (scaled.go), otherwise, or for a frame the reduced-scale decoder does not
// handle, with image/jpeg after checking the header's size.
func (c *Converter) jpeg(dst []float32, data []byte) error {
	w, h, err := jpegSize(data)
	if err != nil {
		return err
	}
	if int64(w)*int64(h) > int64(c.maxPixels) {
		return fmt.Errorf("frame: jpeg of %dx%d is over the %d-pixel limit", w, h, c.maxPixels)
	}
	if s := c.jpegScale(w, h); s > 1 {
		img, err := c.dec.Decode(data, s)
		if err == nil {
			return c.scaled(dst, img)
		}
		if !errors.Is(err, jpegscale.ErrUnsupported) {
			return fmt.Errorf("frame: jpeg %dx%d at 1/%d scale: %w", w, h, s, err)
		}
	}
	c.jr.Reset(data)
	img, err := jpeg.Decode(&c.jr)
	if err != nil {
		return fmt.Errorf("frame: jpeg %dx%d: %w", w, h, err)
	}
	return c.image(dst, img)
}

// image converts a decoded image, reading the planes of the types image/jpeg
// and image/png make directly and any other through its At method.
func (c *Converter) image(dst []float32, img image.Image) error {
	b := img.Bounds()
	r, err := c.region(b.Dx(), b.Dy())
	if err != nil {
		return err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		return c.ycbcr(dst, m, r)
	case *image.Gray:
		plane(c.planes[0], m.Pix, m.Stride, &c.lx, &c.ly, c.rows[0])
		rgb(dst, c.planes[0], c.planes[0], c.planes[0])
		return nil
	}
	c.lines(b.Dx())
	x0, x1 := c.lx.first(), c.lx.end()
	y0, y1 := c.ly.first(), c.ly.end()
	for y := y0; y < y1; y++ {
		switch m := img.(type) {
		case *image.RGBA:
			// Premultiplied, as model.Pixels reads it through RGBA().
			p := m.Pix[y*m.Stride:]
			r, g, bl := c.line[0], c.line[1], c.line[2]
			for x := x0; x < x1; x++ {
				r[x], g[x], bl[x] = p[4*x], p[4*x+1], p[4*x+2]
			}
		default:
			for x := x0; x < x1; x++ {
				cr, cg, cb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				c.line[0][x], c.line[1][x], c.line[2][x] = uint8(cr>>8), uint8(cg>>8), uint8(cb>>8)
			}
		}
		c.addRow(y-y0, &c.lx, &c.lx)
	}
	c.columns()
	rgb(dst, c.planes[0], c.planes[1], c.planes[2])
	return nil
}

// addRow averages the unpacked line of each channel into row i of rows:
// channel 0 through ax, channels 1 and 2 through axc.
func (c *Converter) addRow(i int, ax, axc *axis) {
	n := c.n
	ax.row(c.rows[0][i*n:(i+1)*n], c.line[0])
	axc.row(c.rows[1][i*n:(i+1)*n], c.line[1])
	axc.row(c.rows[2][i*n:(i+1)*n], c.line[2])
}

// columns finishes the three planes from their averaged rows.
func (c *Converter) columns() {
	for i := range c.planes {
		c.ly.column(c.planes[i], c.rows[i], c.n)
	}
}

// ycbcr averages a decoded JPEG's planes where they lie: chroma at its own
// resolution, each chroma sample standing for the block of luma pixels it
// covers (as image.YCbCr.At reads it), so no upsampled copy is made.
func (c *Converter) ycbcr(dst []float32, m *image.YCbCr, r image.Rectangle) error {
	sx, sy := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	case image.YCbCrSubsampleRatio411:
		sx = 4
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	default:
		return fmt.Errorf("frame: unknown chroma subsampling %v", m.SubsampleRatio)
	}
	// Chroma sample k (absolute) covers luma [k*sx, (k+1)*sx); the plane
	// starts at sample floor(Min/sx), as image.YCbCr.COffset counts.
	min := m.Rect.Min
	ox, oy := float64(floorDiv(min.X, sx)), float64(floorDiv(min.Y, sy))
	c.cx.set(float64(min.X+r.Min.X)/float64(sx)-ox, float64(min.X+r.Max.X)/float64(sx)-ox, c.n)
	c.cy.set(float64(min.Y+r.Min.Y)/float64(sy)-oy, float64(min.Y+r.Max.Y)/float64(sy)-oy, c.n)
	c.rows[1] = grow(c.rows[1], (c.cy.end()-c.cy.first())*c.n)
	c.rows[2] = grow(c.rows[2], (c.cy.end()-c.cy.first())*c.n)
	plane(c.planes[0], m.Y, m.YStride, &c.lx, &c.ly, c.rows[0])
	plane(c.planes[1], m.Cb, m.CStride, &c.cx, &c.cy, c.rows[1])
	plane(c.planes[2], m.Cr, m.CStride, &c.cx, &c.cy, c.rows[2])
	jfif(dst, c.planes[0], c.planes[1], c.planes[2])
	return nil
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// rgb565 unpacks big-endian RGB565 rows (OV2640 byte order) and averages them.
func (c *Converter) rgb565(dst []float32, data []byte, w, h, stride int) error {
	if _, err := c.region(w, h); err != nil {
		return err
	}
	c.lines(w)
	x0, x1 := c.lx.first(), c.lx.end()
	y0, y1 := c.ly.first(), c.ly.end()
	r, g, b := c.line[0][x0:x1], c.line[1][x0:x1], c.line[2][x0:x1]
	for y := y0; y < y1; y++ {
		p := data[y*stride+2*x0 : y*stride+2*x1]
		for i := range r {
			v := uint16(p[2*i])<<8 | uint16(p[2*i+1])
			r[i], g[i], b[i] = expand5(v>>11), expand6(v>>5&63), expand5(v&31)
		}
		c.addRow(y-y0, &c.lx, &c.lx)
	}
	c.columns()
	rgb(dst, c.planes[0], c.planes[1], c.planes[2])
	return nil
}

// yuyv unpacks YUYV rows (Y0 U Y1 V per pixel pair) into a full-resolution
// Y line and half-resolution U and V lines and averages each where it lies.
func (c *Converter) yuyv(dst []float32, data []byte, w, h, stride int) error {
	r, err := c.region(w, h)
	if err != nil {
		return err
	}
	c.cx.set(float64(r.Min.X)/2, float64(r.Max.X)/2, c.n)
	c.lines(w)
	y0, y1 := c.ly.first(), c.ly.end()
	for y := y0; y < y1; y++ {
		p := data[y*stride : y*stride+2*w]
		for k := 0; k+3 < len(p); k += 4 {
			c.line[0][k/2], c.line[0][k/2+1] = p[k], p[k+2]
			c.line[1][k/4], c.line[2][k/4] = p[k+1], p[k+3]
		}
		c.addRow(y-y0, &c.lx, &c.cx)
	}
	c.columns()
	bt601(dst, c.planes[0], c.planes[1], c.planes[2])
	return nil
}
