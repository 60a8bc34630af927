package cache

import (
	"errors"
	"strings"
	"testing"
)

func TestFits(t *testing.T) {
	c, err := New(testSpec(4, 2, 2), 3)
	if err != nil {
		t.Fatal(err)
	}
	net := func(missing string, c0 int) TapShape {
		return func(name string) (int, int, int, error) {
			if name == missing {
				return 0, 0, 0, errors.New("no such tap")
			}
			return c0, 2, 2, nil
		}
	}
	for _, tc := range []struct {
		name    string
		classes int
		shape   TapShape
		want    string // "" = fits
	}{
		{"same", 3, net("", 4), ""},
		{"classes", 10, net("", 4), "holds 3 classes, the model predicts 10"},
		{"missing tap", 3, net("layer3.3", 4), "tap layer3.3: no such tap"},
		{"shape", 3, net("", 8), "tap layer3.0 is 8x2x2 here, 4x2x2 in the cache"},
		{"no network", 3, nil, "no network"},
	} {
		err := c.Fits(tc.classes, tc.shape)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
