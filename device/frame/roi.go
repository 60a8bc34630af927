package frame

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// ROI is the region of interest: the part of a frame the network sees. The
// zero ROI is the centred largest square, the usual choice for a square
// network input and a 4:3 or 16:9 camera: nothing is stretched, and the
// object a user points the camera at is in the middle.
type ROI struct {
	// Full takes the whole frame, stretched to a square when it is not one.
	Full bool
	// X, Y, W, H is a rectangle, used when W and H are positive: in pixels
	// when Pixels is set, otherwise as fractions of the frame's width and
	// height (0.25, 0, 0.5, 1 is the middle half of the columns, every row).
	X, Y, W, H float64
	Pixels     bool
}

// Rect is the region of a w x h frame, in pixels, within the frame. A
// rectangle that reaches past the frame is cut to it; one that misses the
// frame entirely is an error.
func (r ROI) Rect(w, h int) (image.Rectangle, error) {
	if w <= 0 || h <= 0 {
		return image.Rectangle{}, fmt.Errorf("frame: %dx%d frame has no pixels", w, h)
	}
	switch {
	case r.Full:
		return image.Rect(0, 0, w, h), nil
	case r.W <= 0 || r.H <= 0:
		if r.W != 0 || r.H != 0 || r.X != 0 || r.Y != 0 {
			return image.Rectangle{}, fmt.Errorf("frame: region %s has no area", r)
		}
		s := min(w, h)
		x, y := (w-s)/2, (h-s)/2
		return image.Rect(x, y, x+s, y+s), nil
	}
	x0, y0, x1, y1 := r.X, r.Y, r.X+r.W, r.Y+r.H
	if !r.Pixels {
		x0, x1 = x0*float64(w), x1*float64(w)
		y0, y1 = y0*float64(h), y1*float64(h)
	}
	for _, v := range [...]float64{x0, y0, x1, y1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return image.Rectangle{}, fmt.Errorf("frame: region %s is not a number", r)
		}
	}
	// Round to whole pixels, then cut to the frame (clamping first keeps
	// the conversion to int in range on 32-bit boards).
	cl := func(v float64, hi int) int { return int(math.Round(math.Max(0, math.Min(v, float64(hi))))) }
	rect := image.Rect(cl(x0, w), cl(y0, h), cl(x1, w), cl(y1, h))
	if rect.Empty() {
		return image.Rectangle{}, fmt.Errorf("frame: region %s is outside the %dx%d frame", r, w, h)
	}
	return rect, nil
}

// String gives the ROI in ParseROI's syntax.
func (r ROI) String() string {
	switch {
	case r.Full:
		return "full"
	case r.W == 0 && r.H == 0 && r.X == 0 && r.Y == 0:
		return "center"
	case r.Pixels:
		return fmt.Sprintf("%g,%g,%g,%g", r.X, r.Y, r.W, r.H)
	}
	f := func(v float64) string {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return f(r.X) + "," + f(r.Y) + "," + f(r.W) + "," + f(r.H)
}

// ParseROI reads a region as a flag gives it: "center" (or "") for the
// centred largest square, "full" for the whole frame, "X,Y,W,H" in whole
// pixels ("40,0,240,240"), or "X,Y,W,H" as fractions of the frame, told
// apart by a decimal point ("0.25,0.0,0.5,1.0").
func ParseROI(s string) (ROI, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "center", "centre":
		return ROI{}, nil
	case "full":
		return ROI{Full: true}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return ROI{}, fmt.Errorf("frame: region %q: want center, full or X,Y,W,H", s)
	}
	var v [4]float64
	frac := strings.Contains(s, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		var err error
		if frac {
			v[i], err = strconv.ParseFloat(p, 64)
			if err == nil && (v[i] < 0 || v[i] > 1) {
				err = fmt.Errorf("fraction %v is outside [0, 1]", v[i])
			}
		} else {
			var n int64
			n, err = strconv.ParseInt(p, 10, 32)
			if err == nil && n < 0 {
				err = fmt.Errorf("negative %d", n)
			}
			v[i] = float64(n)
		}
		if err != nil {
			return ROI{}, fmt.Errorf("frame: region %q: %v", s, err)
		}
	}
	if v[2] <= 0 || v[3] <= 0 {
		return ROI{}, fmt.Errorf("frame: region %q has no area", s)
	}
	return ROI{X: v[0], Y: v[1], W: v[2], H: v[3], Pixels: !frac}, nil
}
