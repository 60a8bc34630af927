package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
// qemu-user, on a replayed folder of camera-sized JPEG frames and on the
// simulated ArduCAM, and checks that every frame gets the host's class. The
// int8 network is bit-exact on every ISA; the cache's lookup is not (see
// boards' tol), so probabilities are compared within a bound.
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
	cameras := []string{"replay:" + replayDir, "arducam-sim:" + filepath.Join(replayDir, "dog")}
	want := map[string][]frameJSON{}
	for _, cam := range cameras {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-bundle", bundlePath, "-camera", cam, "-json", "-limit", "14"}, &out, os.Stderr); err != nil {
			t.Fatal(err)
		}
		want[cam], _ = frames(t, out.String())
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
			for _, cam := range cameras {
				args := append(append([]string{}, b.qemu[1:]...), exe, "-bundle", bundlePath, "-camera", cam, "-json", "-limit", "14")
				cmd := exec.Command(b.qemu[0], args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", b.name, cam, err, stderr.String())
				}
				got, _ := frames(t, string(out))
				if len(got) != len(want[cam]) || len(got) == 0 {
					t.Fatalf("%s: %d frames, host %d", cam, len(got), len(want[cam]))
				}
				for i, g := range got {
					w := want[cam][i]
					if g.Seq != w.Seq || g.Top[0].Class != w.Top[0].Class || g.Net != w.Net {
						t.Errorf("%s frame %d: class %d (network %d), host %d (%d)", cam, i, g.Top[0].Class, g.Net, w.Top[0].Class, w.Net)
					}
					for k := range g.Top {
						if d := g.Top[k].Prob - w.Top[k].Prob; d > b.tol || d < -b.tol {
							t.Errorf("%s frame %d: probability %v, host %v", cam, i, g.Top[k].Prob, w.Top[k].Prob)
						}
					}
				}
			}
		})
	}
}
