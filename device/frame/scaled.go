package frame

import (
	"github.com/edgecache/edgecache/device/frame/internal/jpegscale"
)

// scaleMargin is how many output pixels a side each scaled ROI sample may
// feed at most: a frame is decoded at 1/s only when the ROI, shrunk s
// times, is still scaleMargin*Size samples a side. 2 keeps every output
// pixel an average of at least 2x2 reduced samples, so the averaging still
// smooths what the reduced transform passes through; measured against 1
// (ROI/s >= Size) on the frame-path study (tools/framesim,
// TestFramePathAccuracy): figures in the package comment (doc.go).
const scaleMargin = 2

// jpegScale is the reduced scale to decode a w x h JPEG frame at: the
// largest s in 8, 4, 2 that leaves the region of interest at least
// scaleMargin*Size samples a side, or 1 for a full decode (also when the
// ROI is invalid: the full path reports that).
func (c *Converter) jpegScale(w, h int) int {
	if c.fullDecode {
		return 1
	}
	r, err := c.roi.Rect(w, h)
	if err != nil {
		return 1
	}
	side := int64(min(r.Dx(), r.Dy()))
	for s := int64(8); s >= 2; s /= 2 {
		if side >= s*scaleMargin*int64(c.n) {
			return int(s)
		}
	}
	return 1
}

// scaled averages a reduced-scale decode's planes over the region of
// interest. Reduced sample k of a plane covers frame pixels
// [k*f, (k+1)*f), f = Scale times the plane's subsampling, so the ROI in
// frame pixels maps to [Min/f, Max/f) on the plane: fractional bounds the
// area tables weigh by overlap, as they do for subsampled chroma.
func (c *Converter) scaled(dst []float32, img *jpegscale.Image) error {
	r, err := c.roi.Rect(img.Width, img.Height)
	if err != nil {
		return err
	}
	for i := range img.Comps {
		p := &img.Planes[i]
		ax, ay := &c.lx, &c.ly
		if i > 0 {
			ax, ay = &c.cx, &c.cy
		}
		fx, fy := float64(img.Scale*p.SubX), float64(img.Scale*p.SubY)
		ax.set(float64(r.Min.X)/fx, float64(r.Max.X)/fx, c.n)
		ay.set(float64(r.Min.Y)/fy, float64(r.Max.Y)/fy, c.n)
		c.rows[i] = grow(c.rows[i], (ay.end()-ay.first())*c.n)
		plane(c.planes[i], p.Pix, p.Stride, ax, ay, c.rows[i])
	}
	if img.Comps == 1 {
		rgb(dst, c.planes[0], c.planes[0], c.planes[0])
		return nil
	}
	jfif(dst, c.planes[0], c.planes[1], c.planes[2])
	return nil
}
