package arducamtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // NewFromDir reads PNG files
	"io"
	"os"
)

// IMAGE_MODE (DSP 0xDA) output format bits (OV2640 datasheet; Linux
// drivers/media/i2c/ov2640.c IMAGE_MODE_*).
const (
	modeJPEG   = 0x10
	modeRGB565 = 0x08
	modeFormat = 0x1C // JPEG enable and the two format-select bits
)

// nextFrame makes the FIFO content of the next capture.
func (s *Sim) nextFrame() ([]byte, error) {
	if len(s.sources) == 0 {
		return nil, fmt.Errorf("arducamtest: no frames to capture")
	}
	src := s.sources[s.next]
	s.next = (s.next + 1) % len(s.sources)
	if src.raw != nil {
		return append(bytes.Clone(src.raw), make([]byte, s.Padding)...), nil
	}
	img := src.img
	if img == nil {
		var err error
		if img, err = decodeFile(src.path); err != nil {
			return nil, err
		}
	}
	size := s.outSize()
	if size.X == 0 || size.Y == 0 {
		return nil, nil // no output window programmed: nothing reaches the FIFO
	}
	img = Scale(img, size)
	var b []byte
	switch s.sensor[0][0xDA] & modeFormat {
	case modeJPEG:
		var buf bytes.Buffer
		q := s.Quality
		if q == 0 {
			q = 85
		}
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, fmt.Errorf("arducamtest: encode frame: %w", err)
		}
		b = buf.Bytes()
	case modeRGB565:
		b = RGB565(img)
	default:
		return nil, fmt.Errorf("arducamtest: IMAGE_MODE 0x%02X: only JPEG (0x10) and RGB565 (0x08) are simulated", s.sensor[0][0xDA])
	}
	return append(b, make([]byte, s.Padding)...), nil
}

// maxPixels bounds a source file's size before it is decoded, as the
// firmware's other cameras bound theirs (16.7 million pixels), so a corrupt
// header claiming 65535x65535 cannot make the decoder allocate gigabytes.
const maxPixels = 1 << 24

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("arducamtest: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("arducamtest: decode %s: %w", path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("arducamtest: %s: a %dx%d image, over the %d-pixel limit (or empty)", path, cfg.Width, cfg.Height, maxPixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("arducamtest: %w", err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("arducamtest: decode %s: %w", path, err)
	}
	return img, nil
}

// Scale resizes img to size by nearest neighbour, sampling each output
// pixel's centre; an image already that size is returned as is.
func Scale(img image.Image, size image.Point) image.Image {
	b := img.Bounds()
	if b.Size() == size {
		return img
	}
	out := image.NewRGBA(image.Rectangle{Max: size})
	for y := range size.Y {
		sy := b.Min.Y + (2*y+1)*b.Dy()/(2*size.Y)
		for x := range size.X {
			sx := b.Min.X + (2*x+1)*b.Dx()/(2*size.X)
			out.Set(x, y, img.At(sx, sy))
		}
	}
	return out
}

// RGB565 encodes img as the OV2640 sends RGB565: rows top to bottom, each
// pixel's high byte first, RRRRRGGG GGGBBBBB, each channel's top bits.
func RGB565(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, 2*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			v := uint16(c.R>>3)<<11 | uint16(c.G>>2)<<5 | uint16(c.B>>3)
			out = append(out, byte(v>>8), byte(v))
		}
	}
	return out
}
