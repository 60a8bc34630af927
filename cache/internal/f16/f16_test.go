package f16

import (
	"math"
	"testing"

	"github.com/x448/float16"
)

func TestDecodeMatchesFloat16(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		got, want := math.Float32bits(Decode(uint16(i))), math.Float32bits(float16.Frombits(uint16(i)).Float32())
		if got != want {
			t.Fatalf("Decode(%#04x) = %#08x, float16 gives %#08x", i, got, want)
		}
	}
}

// Encode then Decode is the identity on every finite fp16 value, the round
// trip a subset of a cache relies on to copy keys bit for bit.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		if h&0x7c00 == 0x7c00 {
			continue // infinities and NaNs
		}
		if got := Encode(Decode(h)); got != h && !(h == 0x8000 && got == 0x8000) {
			t.Fatalf("Encode(Decode(%#04x)) = %#04x", h, got)
		}
	}
}
