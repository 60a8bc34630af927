package jpegscale

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"testing"

	"github.com/edgecache/edgecache/device/frame/internal/testimg"
)

// refPlanes decodes data with image/jpeg and returns its planes at their
// own resolution with their widths and heights.
func refPlanes(t testing.TB, data []byte) (planes [][]uint8, strides, ws, hs []int) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	switch m := img.(type) {
	case *image.Gray:
		return [][]uint8{m.Pix}, []int{m.Stride}, []int{m.Rect.Dx()}, []int{m.Rect.Dy()}
	case *image.YCbCr:
		cw, ch := len(m.Cb)/m.CStride, len(m.Cb)/m.CStride
		cr := m.COffset(m.Rect.Max.X-1, m.Rect.Max.Y-1)
		cw, ch = cr%m.CStride+1, cr/m.CStride+1
		return [][]uint8{m.Y, m.Cb, m.Cr}, []int{m.YStride, m.CStride, m.CStride},
			[]int{m.Rect.Dx(), cw, cw}, []int{m.Rect.Dy(), ch, ch}
	}
	t.Fatalf("image/jpeg gave a %T", img)
	return
}

// diffStats compares each reduced plane with the box average of
// image/jpeg's full-size plane over the same samples (at the frame's edge,
// over the samples that lie in the frame).
type diffStats struct {
	max, sum float64
	n        int
}

func (s *diffStats) mean() float64 { return s.sum / float64(max(1, s.n)) }

func compare(t testing.TB, data []byte, scale int, st, edge *diffStats) {
	t.Helper()
	var d Decoder
	img, err := d.Decode(data, scale)
	if err != nil {
		t.Fatalf("decode at 1/%d: %v", scale, err)
	}
	ref, strides, ws, hs := refPlanes(t, data)
	if img.Comps != len(ref) {
		t.Fatalf("%d planes, image/jpeg %d", img.Comps, len(ref))
	}
	for i := range ref {
		p := img.Planes[i]
		if want := (ws[i] + scale - 1) / scale; p.W != want {
			t.Fatalf("plane %d: width %d, want %d", i, p.W, want)
		}
		if want := (hs[i] + scale - 1) / scale; p.H != want {
			t.Fatalf("plane %d: height %d, want %d", i, p.H, want)
		}
		for y := range p.H {
			for x := range p.W {
				var s float64
				var n int
				for yy := y * scale; yy < min(hs[i], (y+1)*scale); yy++ {
					for xx := x * scale; xx < min(ws[i], (x+1)*scale); xx++ {
						s += float64(ref[i][yy*strides[i]+xx])
						n++
					}
				}
				diff := math.Abs(float64(p.Pix[y*p.Stride+x]) - s/float64(n))
				st := st
				if n < scale*scale {
					// Partly outside the frame: the reduced
					// sample also averages the last block's
					// padding, which the reference leaves out.
					st = edge
				}
				st.max = max(st.max, diff)
				st.sum += diff
				st.n++
			}
		}
	}
}

var samplings = []struct {
	name string
	h, v [3]int
}{
	{"444", [3]int{1, 1, 1}, [3]int{1, 1, 1}},
	{"422", [3]int{2, 1, 1}, [3]int{1, 1, 1}},
	{"420", [3]int{2, 1, 1}, [3]int{2, 1, 1}},
	{"440", [3]int{1, 1, 1}, [3]int{2, 1, 1}},
}

// TestAgainstImageJPEG: the reduced planes against image/jpeg's full
// decode of the same bytes, box-averaged, for every sampling, odd sizes,
// restart intervals, one-component scans, grey frames, smooth and noisy
// content, quality 50 to 100 and each scale. At 1/8 the reference is the
// mean of each 8x8 block: the DC-only decode against the block means.
//
// The tolerance: the reduced transform is exactly the box average of the
// real-valued IDCT, so the two differ only by the full decode's rounding
// to integers (at most 1/2 a level, which averaging does not increase),
// this decoder's own rounding (1/2), the error of image/jpeg's integer
// IDCT against the real one (IEEE 1180 accuracy allows a peak of 1 level
// a sample) and float32 rounding (far below a level): 2 levels in all,
// where no sample was clamped. Where the full decode clamps (ringing past
// 0 or 255, which noise produces), its average of clamped samples can lie
// further from the clamped average; those frames get a looser bound,
// measured (5.25 levels at 1/2), and their mean is held to the smooth
// frames' bound. A reduced sample that lies partly past the frame's right
// or bottom edge also averages the padding of the last block (the encoder
// repeats the edge samples, then quantizes them with the rest), which the
// reference does not hold: those are reported apart, their mean bounded.
func TestAgainstImageJPEG(t *testing.T) {
	type frame struct {
		name   string
		img    *image.RGBA
		noisy  bool
		size   [2]int
		opts   encOpts
		scales []int
	}
	var frames []frame
	for _, smp := range samplings {
		for _, q := range []int{50, 75, 90, 100} {
			for _, sz := range [][2]int{{64, 48}, {61, 37}, {33, 17}, {8, 8}, {1, 1}, {100, 75}} {
				for _, rst := range []int{0, 1, 5} {
					// One scan per component, with restarts only
					// at 4:4:4: image/jpeg counts a one-component
					// scan's restart interval in MCUs of the whole
					// frame, not in blocks as T.81 (A.2.2, B.2.4.4)
					// says, so it cannot be the reference there.
					sep := q == 75 && (rst == 0 || (rst == 5 && smp.name == "444"))
					o := encOpts{h: smp.h, v: smp.v, quality: q, restart: rst, separate: sep}
					seed := uint64(sz[0]*1000 + sz[1])
					frames = append(frames,
						frame{fmt.Sprintf("%s/q%d/%dx%d/rst%d/smooth", smp.name, q, sz[0], sz[1], rst), testimg.Smooth(sz[0], sz[1], seed), false, sz, o, nil},
						frame{fmt.Sprintf("%s/q%d/%dx%d/rst%d/noise", smp.name, q, sz[0], sz[1], rst), testimg.Noise(sz[0], sz[1], seed), true, sz, o, nil})
				}
			}
		}
	}
	for _, q := range []int{50, 90} {
		for _, sz := range [][2]int{{64, 48}, {37, 23}} {
			o := encOpts{h: [3]int{1}, v: [3]int{1}, gray: true, quality: q, restart: 3}
			frames = append(frames,
				frame{fmt.Sprintf("gray/q%d/%dx%d/smooth", q, sz[0], sz[1]), testimg.Smooth(sz[0], sz[1], 7), false, sz, o, nil},
				frame{fmt.Sprintf("gray/q%d/%dx%d/noise", q, sz[0], sz[1]), testimg.Noise(sz[0], sz[1], 7), true, sz, o, nil})
		}
	}
	// Short runs (make test-arm runs this package as armv7 under qemu,
	// 30x slower) keep every fifth frame: 5 is prime to the 2 contents
	// and 3 restart intervals, so every kind is still there.
	if testing.Short() {
		var some []frame
		for i, f := range frames {
			if i%5 == 0 {
				some = append(some, f)
			}
		}
		frames = some
	}
	// Statistics per scale: smooth frames, noise frames, and the samples
	// of either that lie partly past the frame's edge.
	var smoothSt, noiseSt, edgeSt [4]diffStats
	scales := []int{1, 2, 4, 8}
	for _, f := range frames {
		data := encodeJPEG(f.img, f.opts)
		for si, s := range scales {
			st := &smoothSt[si]
			if f.noisy {
				st = &noiseSt[si]
			}
			before := st.max
			compare(t, data, s, st, &edgeSt[si])
			if st.max > before && ((!f.noisy && st.max > 2) || (f.noisy && st.max > 8)) {
				t.Errorf("%s at 1/%d: off image/jpeg by %.2f levels", f.name, s, st.max)
			}
		}
	}
	// image/jpeg's own encoder: 4:2:0 colour and grey, standard tables.
	for _, q := range []int{50, 75, 85, 100} {
		for _, img := range []image.Image{testimg.Smooth(320, 240, 3), testimg.Smooth(45, 29, 4), toGray(testimg.Smooth(50, 30, 5))} {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			for si, s := range scales {
				compare(t, buf.Bytes(), s, &smoothSt[si], &edgeSt[si])
			}
		}
	}
	for si, s := range scales {
		t.Logf("1/%d: smooth max %.2f mean %.3f levels (%d samples); noise max %.2f mean %.3f (%d); partial edge samples max %.2f mean %.3f (%d)",
			s, smoothSt[si].max, smoothSt[si].mean(), smoothSt[si].n, noiseSt[si].max, noiseSt[si].mean(), noiseSt[si].n,
			edgeSt[si].max, edgeSt[si].mean(), edgeSt[si].n)
		if smoothSt[si].max > 2 || smoothSt[si].mean() > 0.5 {
			t.Errorf("1/%d: smooth frames off image/jpeg by up to %.2f levels, mean %.3f", s, smoothSt[si].max, smoothSt[si].mean())
		}
		if edgeSt[si].mean() > 4 {
			t.Errorf("1/%d: samples at the frame's edge off image/jpeg by %.3f levels on average", s, edgeSt[si].mean())
		}
		if noiseSt[si].mean() > 0.5 {
			t.Errorf("1/%d: noise frames off image/jpeg by %.3f levels on average", s, noiseSt[si].mean())
		}
	}
}

func toGray(m *image.RGBA) *image.Gray {
	g := image.NewGray(m.Rect)
	for y := range m.Rect.Dy() {
		for x := range m.Rect.Dx() {
			g.Set(x, y, m.At(x, y))
		}
	}
	return g
}
