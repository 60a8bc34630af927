package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/edgecache/edgecache/model"
)

// unit[v] is the 8-bit sample v as a network input, computed with the very
// expression model.Pixels uses so that both give identical float32 values.
var unit = func() (t [256]float32) {
	const inv = 1.0 / 255
	for v := range t {
		t[v] = float32(v) * inv
	}
	return t
}()

// Magic numbers: PNG's 8-byte signature (PNG specification, section 5.2) and
// JPEG's SOI marker FF D8 (ITU-T T.81, table B.1). Sniffing the content
// rather than trusting the extension gives a clear error for a renamed file.
var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8}
)

// errSize marks an image that decodes but is not 32x32.
var errSize = errors.New("not 32x32")

// decodeImage decodes a PNG or JPEG file's bytes into dst (model.InputLen
// values). The header is checked before the pixels are decoded, so a file
// claiming to be huge costs nothing.
func decodeImage(data []byte, dst []float32) error {
	var (
		decode func([]byte) (image.Image, error)
		config func([]byte) (image.Config, error)
	)
	switch {
	case bytes.HasPrefix(data, pngMagic):
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
		config = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, jpegMagic):
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
		config = func(b []byte) (image.Config, error) {
			if w, h, ok := jpegSize(b); ok {
				return image.Config{Width: w, Height: h}, nil
			}
			return jpeg.DecodeConfig(bytes.NewReader(b)) // for its error message
		}
	default:
		return errors.New("neither PNG nor JPEG")
	}
	cfg, err := config(data)
	if err != nil {
		return err
	}
	if cfg.Width != model.InputSize || cfg.Height != model.InputSize {
		return fmt.Errorf("%w: %dx%d", errSize, cfg.Width, cfg.Height)
	}
	img, err := decode(data)
	if err != nil {
		return err
	}
	return pixels(dst, img)
}

// pixels is model.Pixels with direct paths for the image types the PNG and
// JPEG decoders return for CIFAR files. model.Pixels makes two interface
// calls per pixel (At, then RGBA on the boxed color); when 50,000 JPEGs are
// decoded to build a cache that costs about as much as the decoding itself. Each path reproduces the exact
// arithmetic of the color type's RGBA method followed by the >>8 that
// model.Pixels applies, so the results are identical (see the tests).
func pixels(dst []float32, img image.Image) error {
	b := img.Bounds()
	if b.Dx() != model.InputSize || b.Dy() != model.InputSize || len(dst) < model.InputLen {
		return model.Pixels(dst, img) // its error message
	}
	const n = model.InputSize
	const plane = n * n
	dst = dst[:model.InputLen]
	r, g, bl := dst[:plane], dst[plane:2*plane], dst[2*plane:]
	switch p := img.(type) {
	case *image.YCbCr:
		if b.Min.X < 0 || b.Min.Y < 0 {
			// COffset divides, which rounds negative coordinates unlike
			// the shifts below; decoders never produce such images.
			return model.Pixels(dst, img)
		}
		// image.YCbCr.COffset with its per-pixel switch on the subsample
		// ratio hoisted out: chroma is shared by 1<<hs x 1<<vs pixels.
		var hs, vs uint
		switch p.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			hs = 1
		case image.YCbCrSubsampleRatio420:
			hs, vs = 1, 1
		case image.YCbCrSubsampleRatio440:
			vs = 1
		case image.YCbCrSubsampleRatio411:
			hs = 2
		case image.YCbCrSubsampleRatio410:
			hs, vs = 2, 1
		}
		for y := range n {
			yrow := p.Y[p.YOffset(b.Min.X, b.Min.Y+y):][:n]
			crow := ((b.Min.Y+y)>>vs - b.Min.Y>>vs) * p.CStride
			rr, gr, br := r[y*n:][:n], g[y*n:][:n], bl[y*n:][:n]
			for x, yv := range yrow {
				ci := crow + (b.Min.X+x)>>hs - b.Min.X>>hs
				// color.YCbCr.RGBA (Go's image/color/ycbcr.go: JFIF
				// full-range coefficients in 16.16 fixed point, 16-bit
				// results) reduced to the high byte as model.Pixels
				// does. Copying the 16-bit path rather than calling
				// color.YCbCrToRGB matters: the two round differently.
				yy1 := int32(yv) * 0x10101
				cb1 := int32(p.Cb[ci]) - 128
				cr1 := int32(p.Cr[ci]) - 128
				rr[x] = unit[uint8(clip16(yy1+91881*cr1)>>8)]
				gr[x] = unit[uint8(clip16(yy1-22554*cb1-46802*cr1)>>8)]
				br[x] = unit[uint8(clip16(yy1+116130*cb1)>>8)]
			}
		}
	case *image.RGBA:
		// color.RGBA.RGBA returns v | v<<8, whose high byte is v: alpha
		// is already premultiplied.
		for y := range n {
			row := p.Pix[p.PixOffset(b.Min.X, b.Min.Y+y):][:4*n]
			for x := range n {
				i := y*n + x
				r[i], g[i], bl[i] = unit[row[4*x]], unit[row[4*x+1]], unit[row[4*x+2]]
			}
		}
	case *image.NRGBA:
		for y := range n {
			row := p.Pix[p.PixOffset(b.Min.X, b.Min.Y+y):][:4*n]
			for x := range n {
				i := y*n + x
				a := uint32(row[4*x+3])
				r[i], g[i], bl[i] = premul(row[4*x], a), premul(row[4*x+1], a), premul(row[4*x+2], a)
			}
		}
	case *image.Gray:
		for y := range n {
			row := p.Pix[p.PixOffset(b.Min.X, b.Min.Y+y):][:n]
			for x := range n {
				i := y*n + x
				v := unit[row[x]]
				r[i], g[i], bl[i] = v, v, v
			}
		}
	default:
		return model.Pixels(dst, img)
	}
	return nil
}

// premul is color.NRGBA.RGBA's premultiplication of one channel, reduced to
// its high byte as model.Pixels does.
func premul(v uint8, a uint32) float32 {
	c := uint32(v)
	c |= c << 8
	return unit[uint8((c*a/0xff)>>8)]
}

// clip16 is the clamp of color.YCbCr.RGBA: a 24.8 fixed-point value to
// [0, 0xffff].
func clip16(v int32) uint32 {
	if uint32(v)&0xff000000 == 0 {
		return uint32(v >> 8)
	}
	return uint32(^(v >> 31) & 0xffff)
}
