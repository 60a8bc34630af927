package modeltest

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/model"
)

// Golden holds reference logits written by a script in tools/golden from an
// independent runtime (PyTorch, ONNX Runtime), for inputs both sides can make
// bit for bit: lossless sample PNGs and hash-generated pixels.
type Golden struct {
	Model     string        `json:"model"`     // path under the data folder
	Reference string        `json:"reference"` // runtime and version that made it
	Inputs    []GoldenInput `json:"inputs"`
	Logits    [][]float32   `json:"logits"` // one row per input
}

// GoldenInput is a file under samples/ or a seed for RandomInput.
type GoldenInput struct {
	Sample string  `json:"sample,omitempty"`
	Seed   *uint32 `json:"seed,omitempty"`
}

// LoadGolden reads a golden file.
func LoadGolden(tb testing.TB, path string) *Golden {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(g.Inputs) != len(g.Logits) || len(g.Inputs) == 0 {
		tb.Fatalf("%s: %d inputs, %d logit rows", path, len(g.Inputs), len(g.Logits))
	}
	return &g
}

// Pixels builds the network input for every golden input, in order.
func (g *Golden) Pixels(tb testing.TB) []float32 {
	tb.Helper()
	out := make([]float32, len(g.Inputs)*model.InputLen)
	for i, in := range g.Inputs {
		dst := out[i*model.InputLen : (i+1)*model.InputLen]
		switch {
		case in.Seed != nil:
			copy(dst, RandomInput(*in.Seed))
		case in.Sample != "":
			f, err := os.Open(File(tb, filepath.Join("samples", in.Sample)))
			if err != nil {
				tb.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				tb.Fatalf("%s: %v", in.Sample, err)
			}
			if err := model.Pixels(dst, img); err != nil {
				tb.Fatal(err)
			}
		default:
			tb.Fatalf("golden input %d has neither sample nor seed", i)
		}
	}
	return out
}

// RandomInput returns InputLen pixels in [0, 1) from a seed, by the lowbias32
// integer hash (Chris Wellons, "Prospecting for hash functions"), so that
// Python and Go make the same values exactly: element i of seed s is
// lowbias32(s*0x9E3779B9 + i*0x85EBCA6B + 0x27220A95) >> 8, divided by 2^24.
func RandomInput(seed uint32) []float32 {
	out := make([]float32, model.InputLen)
	for i := range out {
		x := seed*0x9E3779B9 + uint32(i)*0x85EBCA6B + 0x27220A95
		x ^= x >> 16
		x *= 0x7FEB352D
		x ^= x >> 15
		x *= 0x846CA68B
		x ^= x >> 16
		out[i] = float32(x>>8) / (1 << 24)
	}
	return out
}

// LogitsClose reports the first logit row where got differs from want by more
// than rel times the row's largest magnitude (at least 1): "within 1e-4
// relative" for a vector whose entries may be near zero.
func LogitsClose(got []float32, want [][]float32, rel float64) error {
	if len(want) == 0 || len(got) != len(want)*len(want[0]) {
		return fmt.Errorf("got %d logits, want %d rows", len(got), len(want))
	}
	k := len(want[0])
	for i, row := range want {
		scale := 1.0
		for _, v := range row {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for j, v := range row {
			if d := math.Abs(float64(got[i*k+j]) - float64(v)); d > rel*scale {
				return fmt.Errorf("input %d logit %d: got %v, want %v (|diff| %.3g > %.3g)", i, j, got[i*k+j], v, d, rel*scale)
			}
		}
	}
	return nil
}
