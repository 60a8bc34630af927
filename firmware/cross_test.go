package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/edgecache/edgecache/cache/bundle"
)

// boards are the Raspberry Pi builds of `make cross` and the qemu-user
// command that runs each: arm64 (Pi 3/4/5, 64-bit OS; qemu's default core
// has the dot-product extension, as the Pi 5's A76), armv7 (Pi 2/3, 32-bit)
// and armv6 (Pi Zero/1: the ARM1176).
//
// tol bounds the probabilities' difference from the host's: the float32
// lookup sums in another order per kernel (1e-5), and on a core with native
// fp16 arithmetic (qemu's default arm64 core, as the Pi 5's A76) the lookup's
// dot products round the query to fp16 (2^-11 relative: at theta 90 a term
// moves by up to 2.3%, cache/dot_fp16_arm64.go), so there 0.01.
var boards = []struct {
	name string
	env  []string
	qemu []string
	tol  float32
}{
	{"arm64", []string{"GOARCH=arm64"}, []string{"qemu-aarch64-static"}, 0.01},
	{"arm64-a72", []string{"GOARCH=arm64"}, []string{"qemu-aarch64-static", "-cpu", "cortex-a72"}, 1e-5},
	{"armv7", []string{"GOARCH=arm", "GOARM=7"}, []string{"qemu-arm-static"}, 1e-5},
	{"armv6", []string{"GOARCH=arm", "GOARM=6"}, []string{"qemu-arm-static", "-cpu", "arm1176"}, 1e-5},
}

// TestBoards runs the board program end to end as each board runs it, under
// qemu-user, on a replayed folder (the fixture's images and camera-sized JPEG
// frames) and on the simulated ArduCAM, and compares every frame with the
// host's run of the same frames, in order: the same frame (sequence number
// and file), the same classes in the same order, the network's own class, the
// truth, and the probabilities.
//
// The int8 network is bit-exact on every ISA. A bundle without a cache shows
// it: its probabilities are the network's softmax, which must equal the
// host's to the last bit but one (the logits are identical; the softmax's
// float64 exp is the platform's math.Exp, within an ulp of float64 of each
// other, which can move the float32 result by at most one ulp; one int8 step
// of a logit moves it by thousands). With the cache the lookup's dot
// products differ per kernel (see boards' tol), so there the probabilities
// are compared within that bound and the classes exactly.
//
// It builds four binaries, so it runs when EDGECACHE_BOARDS=1 (make test-arm
// sets it); CI must run it, so under CI=true it is never skipped.
func TestBoards(t *testing.T) {
	if os.Getenv("EDGECACHE_BOARDS") != "1" {
		if os.Getenv("CI") == "true" {
			t.Log("CI: the board run is make test-arm's (EDGECACHE_BOARDS=1)")
		}
		t.Skip("set EDGECACHE_BOARDS=1 (make test-arm) to run the board program under qemu")
	}
	for _, q := range []string{"qemu-aarch64-static", "qemu-arm-static"} {
		if _, err := exec.LookPath(q); err != nil {
			t.Fatalf("%s not installed (apt-get install qemu-user-static): %v", q, err)
		}
	}
	bundlePath, replayDir := fixture(t, []string{"layer3.0", "layer2.0.relu"}, true)
	// The same network without the cache: its output is what the JSON shows.
	netOnly := filepath.Join(t.TempDir(), "net.bundle")
	b, err := bundle.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	b.Cache = nil
	if err := b.WriteFile(netOnly); err != nil {
		t.Fatal(err)
	}
	// Camera-sized JPEG frames beside the fixture's images.
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 8; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
		for p := 0; p < 320*240; p++ {
			img.Set(p%320, p/320, color.NRGBA{uint8(rng.IntN(256)), uint8(p / 320), uint8(p % 256), 255})
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
		class := []string{"cat", "dog"}[i%2]
		if err := os.WriteFile(filepath.Join(replayDir, class, fmt.Sprintf("frame%d.jpg", i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The replayed folder holds 14 frames, played once; the simulated
	// ArduCAM serves the 7 of dog/ round and round, stopped at 14.
	runs := []struct {
		name, bundle, camera string
		frames               int
		exact                bool // network only: bit-exact probabilities
	}{
		{"replay", bundlePath, "replay:" + replayDir, 14, false},
		{"arducam-sim", bundlePath, "arducam-sim:" + filepath.Join(replayDir, "dog"), 14, false},
		{"replay, network only", netOnly, "replay:" + replayDir, 14, true},
	}
	want := map[string][]frameJSON{}
	for _, r := range runs {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-bundle", r.bundle, "-camera", r.camera, "-json", "-limit", "14"}, &out, os.Stderr); err != nil {
			t.Fatal(err)
		}
		fs, sum := frames(t, out.String())
		if len(fs) != r.frames || sum.Frames != r.frames {
			t.Fatalf("host, %s: %d frames, summary %+v; want %d", r.name, len(fs), sum, r.frames)
		}
		want[r.name] = fs
	}
	bin := t.TempDir()
	for _, b := range boards {
		t.Run(b.name, func(t *testing.T) {
			exe := filepath.Join(bin, "firmware-"+b.name)
			build := exec.Command("go", "build", "-o", exe, ".")
			build.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0", "GOOS=linux"}, b.env...)...)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			for _, r := range runs {
				args := append(append([]string{}, b.qemu[1:]...), exe, "-bundle", r.bundle, "-camera", r.camera, "-json", "-limit", "14")
				cmd := exec.Command(b.qemu[0], args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", b.name, r.name, err, stderr.String())
				}
				got, sum := frames(t, string(out))
				if len(got) != r.frames || sum.Frames != r.frames {
					t.Fatalf("%s: %d frames, summary %+v; want %d as the host", r.name, len(got), sum, r.frames)
				}
				var worst float64
				var worstULP uint32
				for i, g := range got {
					w := want[r.name][i]
					if g.Seq != w.Seq || g.Name != w.Name || g.Net != w.Net || !sameTruth(g.Truth, w.Truth) || len(g.Top) != len(w.Top) || len(g.Top) == 0 {
						t.Fatalf("%s frame %d: %+v, host %+v", r.name, i, g, w)
					}
					for k := range g.Top {
						gk, wk := g.Top[k], w.Top[k]
						if gk.Class != wk.Class || gk.Label != wk.Label {
							t.Errorf("%s frame %d (%s): rank %d is %s, host %s", r.name, i, g.Name, k, gk.Label, wk.Label)
						}
						d := math.Abs(float64(gk.Prob) - float64(wk.Prob))
						worst = max(worst, d)
						u := ulps(gk.Prob, wk.Prob)
						worstULP = max(worstULP, u)
						if r.exact && u > 1 {
							t.Errorf("%s frame %d (%s): network probability %v, host %v (%d ulps): the int8 network is not bit-exact",
								r.name, i, g.Name, gk.Prob, wk.Prob, u)
						}
						if !r.exact && d > float64(b.tol) {
							t.Errorf("%s frame %d (%s): probability %v, host %v", r.name, i, g.Name, gk.Prob, wk.Prob)
						}
					}
				}
				t.Logf("%s: %d frames as the host's, largest probability difference %.3g (%d float32 ulps)", r.name, len(got), worst, worstULP)
			}
		})
	}
}

func sameTruth(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// ulps is how many float32 values lie between a and b (both non-negative).
func ulps(a, b float32) uint32 {
	x, y := math.Float32bits(a), math.Float32bits(b)
	if x > y {
		return x - y
	}
	return y - x
}
