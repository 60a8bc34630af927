package quant

import "testing"

// TestActBorder checks that setLayout leaves every border byte at the zero
// point and no interior byte touched, through changes of size, channels and
// zero point, and that an unchanged layout is not refilled.
func TestActBorder(t *testing.T) {
	a := &act{buf: make([]uint8, 34*34*16+5)}
	for _, l := range []struct {
		h, w, c, b int
		zp         uint8
	}{{32, 32, 16, 1, 7}, {32, 32, 16, 1, 9}, {16, 16, 32, 1, 9}, {8, 8, 64, 1, 200}, {8, 8, 64, 2, 3}, {32, 32, 16, 1, 7}} {
		for i := range a.buf {
			a.buf[i] = 0xA5
		}
		a.bordered = false
		a.setLayout(l.h, l.w, l.c, l.b, l.zp)
		pw := l.w + 2*l.b
		for y := range l.h + 2*l.b {
			for x := range pw {
				inside := y >= l.b && y < l.b+l.h && x >= l.b && x < l.b+l.w
				for ch := range l.c {
					want := l.zp
					if inside {
						want = 0xA5
					}
					if got := a.buf[(y*pw+x)*l.c+ch]; got != want {
						t.Fatalf("%+v: pixel (%d, %d) channel %d = %d, want %d", l, y, x, ch, got, want)
					}
				}
			}
		}
		for i := (l.h + 2*l.b) * pw * l.c; i < len(a.buf); i++ {
			if a.buf[i] != 0xA5 {
				t.Fatalf("%+v: byte %d past the image written", l, i)
			}
		}
		a.buf[0] = 0xA5
		a.setLayout(l.h, l.w, l.c, l.b, l.zp)
		if a.buf[0] != 0xA5 {
			t.Fatalf("%+v: unchanged layout refilled", l)
		}
		if got := a.row(l.h - 1); len(got) != l.w*l.c || &got[0] != &a.buf[a.at(l.h-1, 0)] {
			t.Fatalf("%+v: row of %d bytes", l, len(got))
		}
	}
}
