package cache

import "fmt"

// TapShape reports the shape (channels, height, width) of a network's tap,
// or an error when the network has none of that name: the one thing the
// cache needs to know of a network (this package imports none).
type TapShape func(name string) (c, h, w int, err error)

// CheckTaps reports whether a network can make keys of this spec: every tap
// must exist in it with the spec's shape. The error names the first tap
// that differs. Pooling and the projection act on the taps' values, so they
// fit any network whose taps fit.
func (s Spec) CheckTaps(shape TapShape) error {
	if shape == nil {
		return fmt.Errorf("cache: no network to check the taps against")
	}
	for _, t := range s.Taps {
		c, h, w, err := shape(t.Name)
		if err != nil {
			return fmt.Errorf("cache: does not fit this model (built for another model's taps): tap %s: %w", t.Name, err)
		}
		if c != t.C || h != t.H || w != t.W {
			return fmt.Errorf("cache: does not fit this model (built for another model's taps): tap %s is %dx%dx%d here, %dx%dx%d in the cache",
				t.Name, c, h, w, t.C, t.H, t.W)
		}
	}
	return nil
}

// Fits reports whether a network that predicts classes classes and has the
// taps shape describes can use c: the host tool, its benchmark and the
// board program all refuse a cache with this one check.
func (c *Cache) Fits(classes int, shape TapShape) error {
	if c.classes != classes {
		return fmt.Errorf("cache: does not fit this model: the cache holds %d classes, the model predicts %d", c.classes, classes)
	}
	return c.spec.CheckTaps(shape)
}
