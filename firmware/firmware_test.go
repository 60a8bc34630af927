package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/bundle/bundletest"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
	"github.com/edgecache/edgecache/model"
)

// fixture writes a bundle (a random int8 ResNet-8 of 2 classes and a cache
// holding exactly the replayed images' keys, CacheOnly at theta 90, so each
// image must find itself) and a replay tree of 2 classes x 3 images. The
// images are 96x64: the board takes the centred 64x64 square and averages it
// to 32x32, as it would a camera's frame.
//
// The keys are the paper's (the taps flattened whole, no pooling), and with
// projected the fitted board cache's (those taps centred on their mean, then
// projected, as a PCA basis does). Both keep the images' keys well apart, as
// real keys are: a random network's ReLU taps share one large positive
// direction, and pooled to channel means the six noise images' keys were
// within cosine 0.9988 of each other, so at theta 90 an image's own item
// beat another by a factor of 1.1 and the fp16 dot products of a core with
// FEAT_FP16 (qemu's default arm64 core) could turn the recall over.
// checkSeparated keeps that true.
func fixture(t *testing.T, taps []string, projected bool) (bundlePath, replayDir string) {
	t.Helper()
	dir := t.TempDir()
	labels := []string{"cat", "dog"}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 6
	frames := make([]device.Frame, n)
	replayDir = filepath.Join(dir, "test")
	for i := 0; i < n; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 96, 64))
		for p := 0; p < 96*64; p++ {
			img.Set(p%96, p/96, color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255})
		}
		class := labels[i%2]
		if err := os.MkdirAll(filepath.Join(replayDir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(replayDir, class, fmt.Sprintf("%c.png", 'a'+i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		frames[i] = device.Frame{Image: img}
	}
	// Calibrate on the images as the board will see them.
	b := &bundle.Bundle{Meta: bundle.Meta{Name: "fixture", Classes: labels, Preprocess: bundle.DefaultPreprocess}}
	pixels := make([]float32, n*model.InputLen)
	conv := mustConverter(t)
	for i, f := range frames {
		if err := conv.Pixels(pixels[i*model.InputLen:], f); err != nil {
			t.Fatal(err)
		}
	}
	b.Model = bundletest.Quantize(t, bundletest.Net(t, labels, 5), pixels)
	cs := bundletest.Spec(t, b.Model, cache.PoolNone, taps...)
	r, err := b.Model.NewRunner(1, taps...)
	if err != nil {
		t.Fatal(err)
	}
	// Each image's taps (copied: the runner reuses its buffers) and, for
	// the projection's mean, their concatenation: the raw key.
	tv := make([][][]float32, n)
	for i := range tv {
		if _, err := r.Run(pixels[i*model.InputLen:(i+1)*model.InputLen], 1); err != nil {
			t.Fatal(err)
		}
		for _, name := range taps {
			tv[i] = append(tv[i], slices.Clone(r.Tap(name)))
		}
	}
	if projected {
		mean := make([]float32, cs.RawDim())
		for _, x := range tv {
			for j, v := range slices.Concat(x...) {
				mean[j] += v / n
			}
		}
		w := make([]float32, 8*cs.RawDim())
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		if cs.Proj, err = cache.NewProjection(8, cs.RawDim(), w, mean); err != nil {
			t.Fatal(err)
		}
	}
	if b.Cache, err = cache.New(cs, 2); err != nil {
		t.Fatal(err)
	}
	keys := make([][]float32, n)
	for i := range keys {
		keys[i] = make([]float32, cs.Dim())
		if err := cs.Key(keys[i], tv[i]); err != nil {
			t.Fatal(err)
		}
		if err := b.Cache.AddWeighted(keys[i], i%2, 1+i%3); err != nil {
			t.Fatal(err)
		}
	}
	b.Cache.Theta, b.Cache.Lambda = 90, 1
	checkSeparated(t, keys, b.Cache.Theta)
	bundlePath = filepath.Join(dir, "board.bundle")
	if err := b.WriteFile(bundlePath); err != nil {
		t.Fatal(err)
	}
	return bundlePath, replayDir
}

// loadClassifier reads the bundle at path and makes its classifier, as the
// board program does at start-up.
func loadClassifier(t *testing.T, path string) *bundle.Classifier {
	t.Helper()
	b, err := bundle.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := bundle.NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func runOut(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// frames parses -json output into its frame lines and summary.
func frames(t *testing.T, s string) ([]frameJSON, summaryJSON) {
	t.Helper()
	var fs []frameJSON
	var sum summaryJSON
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte(`"summary":true`)) {
			if err := json.Unmarshal(line, &sum); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var f frameJSON
		if err := json.Unmarshal(line, &f); err != nil {
			t.Fatalf("%v in %s", err, line)
		}
		fs = append(fs, f)
	}
	if !sum.Summary {
		t.Fatalf("no summary line:\n%s", s)
	}
	return fs, sum
}

func TestReplayWithCache(t *testing.T) {
	for _, projected := range []bool{false, true} {
		bundlePath, replayDir := fixture(t, []string{"layer3.0", "layer2.0.relu"}, projected)
		out, _, err := runOut(t, "-bundle", bundlePath, "-camera", "replay:"+replayDir, "-json", "-threads", "2")
		if err != nil {
			t.Fatal(err)
		}
		fs, sum := frames(t, out)
		if len(fs) != 6 || sum.Frames != 6 || sum.Labelled != 6 {
			t.Fatalf("%d frames, summary %+v", len(fs), sum)
		}
		// Each image is in the cache with its label: CacheOnly recalls all.
		if sum.Top1Cache == nil || *sum.Top1Cache != 1 {
			t.Errorf("projected %v: the cache did not recall its own images: %+v", projected, sum)
		}
		for i, f := range fs {
			// Every stage timed, the total their sum (each rounded to 1 us).
			m := f.Ms
			sum := m.Capture + m.Preprocess + m.Network + m.Cache
			if len(f.Top) != 2 || f.Truth == nil || f.Top[0].Class != *f.Truth || f.Top[0].Label == "" ||
				f.Top[0].Prob < f.Top[1].Prob || f.Top[0].Prob+f.Top[1].Prob < 0.999 || f.Seq != uint64(i) ||
				m.Capture <= 0 || m.Preprocess <= 0 || m.Network <= 0 || m.Cache <= 0 || math.Abs(m.Total-sum) > 0.005 || f.Time.IsZero() {
				t.Errorf("frame %+v", f)
			}
		}
		if sum.BundleBytes <= 0 || sum.CacheBytes <= 0 || sum.MsNetwork <= 0 {
			t.Errorf("summary %+v", sum)
		}
	}
}

// Each frame's line carries the three most probable classes, most probable
// first (here a network of five classes, without a cache).
func TestTopThree(t *testing.T) {
	_, replayDir := fixture(t, []string{"layer3.0"}, false)
	labels := []string{"a", "b", "c", "d", "e"}
	rng := rand.New(rand.NewPCG(3, 4))
	b := &bundle.Bundle{Meta: bundle.Meta{Name: "five", Classes: labels, Preprocess: bundle.DefaultPreprocess},
		Model: bundletest.Quantize(t, bundletest.Net(t, labels, 9), bundletest.Pixels(rng, 4))}
	path := filepath.Join(t.TempDir(), "five.bundle")
	if err := b.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	out, _, err := runOut(t, "-bundle", path, "-replay", replayDir, "-json")
	if err != nil {
		t.Fatal(err)
	}
	fs, sum := frames(t, out)
	if len(fs) != 6 || sum.Labelled != 0 || sum.Top1Net != nil {
		t.Fatalf("%d frames, summary %+v", len(fs), sum)
	}
	for _, f := range fs {
		top := f.Top
		if len(top) != 3 || top[0].Class != f.Net || top[0].Prob < top[1].Prob || top[1].Prob < top[2].Prob ||
			top[0].Class == top[1].Class || top[1].Class == top[2].Class || top[0].Class == top[2].Class ||
			top[0].Label != labels[top[0].Class] || top[2].Prob <= 0 {
			t.Errorf("frame %d: top %+v, network's class %d", f.Seq, top, f.Net)
		}
	}
}

func TestTextReport(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	out, _, err := runOut(t, "-bundle", bundlePath, "-replay", replayDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"frames    6", "top-1     network", "with cache 100.00%", "per frame preprocess"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// The simulated ArduCAM runs the whole driver (register protocol, FIFO
// bursts, JPEG framing) and the frames classify as the replayed files do.
func TestArducamSim(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	out, _, err := runOut(t, "-bundle", bundlePath, "-camera", "arducam-sim:"+filepath.Join(replayDir, "cat"), "-json", "-limit", "3")
	if err != nil {
		t.Fatal(err)
	}
	fs, sum := frames(t, out)
	if len(fs) != 3 || sum.Frames != 3 {
		t.Fatalf("%d frames:\n%s", len(fs), out)
	}
	for _, f := range fs {
		if f.Ms.Capture <= 0 {
			t.Errorf("frame %+v: no capture time", f)
		}
	}
}

func TestRefusals(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.bundle")
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(corrupt, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-camera", "replay:" + replayDir}, "no bundle"},
		{[]string{"-bundle", filepath.Join(dir, "none.bundle"), "-replay", replayDir}, "no such file"},
		{[]string{"-bundle", corrupt, "-replay", replayDir}, "checksum mismatch"},
		{[]string{"-bundle", bundlePath}, "no camera"},
		{[]string{"-bundle", bundlePath, "-camera", "webcam:0"}, "camera kind \"webcam\""},
		{[]string{"-bundle", bundlePath, "-camera", "replay:" + dir}, "no .png, .jpg or .jpeg files"},
		{[]string{"-bundle", bundlePath, "-replay", replayDir, "-led", "GPIO17"}, "-led needs -led-class"},
		{[]string{"-bundle", bundlePath, "-replay", replayDir, "-threads", "0"}, "threads 0"},
		{[]string{"-bundle", bundlePath, "-replay", replayDir, "-roi", "left"}, "-roi: preprocess: frame: region \"left\""},
		{[]string{"-bundle", bundlePath, "-replay", replayDir, "-led", "NOSUCHPIN", "-led-class", "cat"}, "no GPIO pin \"NOSUCHPIN\""},
	} {
		_, _, err := runOut(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

// A frame that does not decode (a corrupt file) is logged and skipped: the
// board keeps classifying.
func TestBadFrameSkipped(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	if err := os.WriteFile(filepath.Join(replayDir, "cat", "0-corrupt.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, logs, err := runOut(t, "-bundle", bundlePath, "-replay", replayDir, "-json", "-backoff", "1ms")
	if err != nil {
		t.Fatal(err)
	}
	if _, sum := frames(t, out); sum.Frames != 6 {
		t.Errorf("want the 6 good frames classified: %+v", sum)
	}
	if !strings.Contains(logs, "0-corrupt.png") {
		t.Errorf("the bad frame is not named in the log:\n%s", logs)
	}
}

// failing is a camera that fails in a chosen way: an error, or a hang until
// the capture's context ends.
type failing struct {
	err   error
	hang  bool
	calls atomic.Int32
}

func (f *failing) Next(ctx context.Context) (device.Frame, error) {
	f.calls.Add(1)
	if f.hang {
		<-ctx.Done()
		return device.Frame{}, ctx.Err()
	}
	return device.Frame{}, f.err
}
func (f *failing) Close() error   { return nil }
func (f *failing) String() string { return "failing camera" }

// A camera that keeps failing is retried a bounded number of times with a
// growing backoff, each failure logged with its reason, then the loop gives
// up: it never spins. The backoffs are counted through the loop's clock, not
// timed: 4 retries wait 2, 4, 8 and 8 ms (doubling, capped at -max-backoff),
// and the fifth fault ends the loop without a wait.
func TestCameraFaults(t *testing.T) {
	bundlePath, _ := fixture(t, []string{"layer3.0"}, false)
	cl := loadClassifier(t, bundlePath)
	for _, cam := range []*failing{{err: errors.New("spi: bus error")}, {hang: true}} {
		cfg := defaults()
		cfg.Retries = 4
		cfg.Backoff, cfg.MaxBackoff, cfg.CaptureTimeout = duration(2*time.Millisecond), duration(8*time.Millisecond), duration(5*time.Millisecond)
		var waits []time.Duration
		cfg.sleep = func(ctx context.Context, d time.Duration) {
			// Each wait comes after one more failed capture.
			if got := int(cam.calls.Load()); got != len(waits)+1 {
				t.Errorf("wait %d after %d captures", len(waits)+1, got)
			}
			waits = append(waits, d)
		}
		var logs bytes.Buffer
		err := loop(context.Background(), &cfg, cam, cl, nil, newScore(cl.Bundle().Meta.Classes, true), io.Discard, log.New(&logs, "", 0), nil)
		if err == nil || !strings.Contains(err.Error(), "5 times in a row") {
			t.Errorf("%+v: %v", cam, err)
		}
		if got := cam.calls.Load(); got != 5 {
			t.Errorf("%d captures tried, want 5", got)
		}
		if want := []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond, 8 * time.Millisecond}; !slices.Equal(waits, want) {
			t.Errorf("backoffs %v, want %v", waits, want)
		}
		want := "spi: bus error"
		if cam.hang {
			want = "gave no frame within 5ms"
		}
		if strings.Count(logs.String(), want) != 5 || strings.Count(logs.String(), "camera fault ") != 5 {
			t.Errorf("log:\n%s", logs.String())
		}
	}
}

// A camera that fails now and then is used again as soon as it delivers: a
// good frame resets both the fault count and the backoff.
func TestBackoffResets(t *testing.T) {
	bundlePath, _ := fixture(t, []string{"layer3.0"}, false)
	cl := loadClassifier(t, bundlePath)
	cfg := defaults()
	cfg.Retries, cfg.Limit = 2, 4
	cfg.Backoff, cfg.MaxBackoff = duration(time.Millisecond), duration(time.Second)
	var waits []time.Duration
	cfg.sleep = func(_ context.Context, d time.Duration) { waits = append(waits, d) }
	// Two faults, a frame, two faults, a frame...: never 3 in a row, so the
	// loop goes on to its limit, and each run of faults starts at 1 ms.
	cam := &pattern{fail: "ffoffoffoffo", img: image.NewRGBA(image.Rect(0, 0, 40, 30))}
	if err := loop(context.Background(), &cfg, cam, cl, nil, newScore(cl.Labels(), true), io.Discard, log.New(io.Discard, "", 0), nil); err != nil {
		t.Fatal(err)
	}
	ms1, ms2 := time.Millisecond, 2*time.Millisecond
	if want := []time.Duration{ms1, ms2, ms1, ms2, ms1, ms2, ms1, ms2}; !slices.Equal(waits, want) {
		t.Errorf("backoffs %v, want %v", waits, want)
	}
}

// pattern fails or delivers captures by the letters of fail: 'f' a fault,
// 'o' a frame.
type pattern struct {
	fail string
	img  image.Image
	n    int
}

func (p *pattern) Next(ctx context.Context) (device.Frame, error) {
	if p.n >= len(p.fail) {
		return device.Frame{}, device.ErrEnd
	}
	c := p.fail[p.n]
	p.n++
	if c == 'f' {
		return device.Frame{}, errors.New("sensor glitch")
	}
	return device.Frame{Image: p.img, Seq: uint64(p.n)}, nil
}
func (p *pattern) Close() error   { return nil }
func (p *pattern) String() string { return "glitching camera" }

// SIGTERM and SIGINT cancel the context: the loop ends at once, the summary
// is still written and the LED is left off.
func TestShutdown(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	pin := &gpiotest.Pin{N: "TESTLED1", Num: 101}
	if err := gpioreg.Register(pin); err != nil {
		t.Fatal(err)
	}
	defer gpioreg.Unregister(pin.N)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error)
	go func() {
		done <- run(ctx, []string{"-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "200", "-json",
			"-led", "TESTLED1", "-led-class", "cat", "-led-min", "0"}, &out, io.Discard)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the board program did not stop")
	}
	if _, sum := frames(t, out.String()); sum.Frames == 0 {
		t.Errorf("no frames before the stop: %+v", sum)
	}
	if pin.L != gpio.Low {
		t.Error("LED left on")
	}
}

// The LED follows the chosen class: on while it is the top class, off
// otherwise (CacheOnly recalls every image, so the truth is the top class).
func TestLED(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	b, err := bundle.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	pin := &gpiotest.Pin{N: "TESTLED2", Num: 102}
	if err := gpioreg.Register(pin); err != nil {
		t.Fatal(err)
	}
	defer gpioreg.Unregister(pin.N)
	ind, err := newIndicator("TESTLED2", "dog", 0.5, b.Meta.Classes)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := bundle.NewClassifier(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"cat", "dog", "cat"} {
		files, err := filepath.Glob(filepath.Join(replayDir, class, "*.png"))
		if err != nil || len(files) == 0 {
			t.Fatalf("fixture: no %s images in %s (%v)", class, replayDir, err)
		}
		f, err := os.Open(files[0])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		r, err := cl.Classify(device.Frame{Image: img})
		if err != nil {
			t.Fatal(err)
		}
		if err := ind.show(r.Class, r.Prob); err != nil {
			t.Fatal(err)
		}
		if want := gpio.Level(class == "dog"); pin.L != want {
			t.Errorf("after a %s frame the LED is %v", class, pin.L)
		}
	}
	if _, err := newIndicator("TESTLED2", "horse", 0.5, b.Meta.Classes); err == nil || !strings.Contains(err.Error(), "horse") {
		t.Errorf("unknown class: %v", err)
	}
}

// recordingPin is a gpiotest.Pin that keeps every level written to it.
type recordingPin struct {
	gpiotest.Pin
	levels []gpio.Level
}

func (p *recordingPin) Out(l gpio.Level) error {
	p.levels = append(p.levels, l)
	return p.Pin.Out(l)
}

// The board program drives the LED from its frame loop: off at start, on
// while frames of the chosen class come (the replay plays cat/ then dog/),
// off for the others, and off on the way out. Writes happen only on changes.
func TestLEDInLoop(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	pin := &recordingPin{Pin: gpiotest.Pin{N: "TESTLED3", Num: 103}}
	if err := gpioreg.Register(pin); err != nil {
		t.Fatal(err)
	}
	defer gpioreg.Unregister(pin.N)
	out, _, err := runOut(t, "-bundle", bundlePath, "-replay", replayDir, "-json", "-led", "TESTLED3", "-led-class", "cat", "-led-min", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := frames(t, out)
	var seen []string
	for _, f := range fs {
		seen = append(seen, f.Top[0].Label)
	}
	if !slices.Equal(seen, []string{"cat", "cat", "cat", "dog", "dog", "dog"}) {
		t.Fatalf("frames seen as %v", seen)
	}
	if want := []gpio.Level{gpio.Low, gpio.High, gpio.Low, gpio.Low}; !slices.Equal(pin.levels, want) {
		t.Errorf("LED levels %v, want %v (start, cat, dog, exit)", pin.levels, want)
	}
}

func TestConfigFile(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	cfgPath := filepath.Join(t.TempDir(), "firmware.json")
	js := fmt.Sprintf(`{"bundle": %q, "camera": "replay:%s", "json": true, "limit": 4, "capture_timeout": "3s"}`, bundlePath, replayDir)
	if err := os.WriteFile(cfgPath, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runOut(t, "-config", cfgPath, "-limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	// The file sets -json; the flag's -limit 2 wins over the file's 4.
	if fs, _ := frames(t, out); len(fs) != 2 {
		t.Errorf("%d frames, want 2", len(fs))
	}
	cfg, err := parseConfig([]string{"-config", cfgPath}, io.Discard)
	if err != nil || cfg.Limit != 4 || time.Duration(cfg.CaptureTimeout) != 3*time.Second || cfg.Retries != 10 {
		t.Errorf("config %+v, %v", cfg, err)
	}
	// Flags win over the file for every kind of setting, booleans included.
	cfg, err = parseConfig([]string{"-config", cfgPath, "-json=false", "-capture-timeout", "1s", "-camera", "replay:x"}, io.Discard)
	if err != nil || cfg.JSON || time.Duration(cfg.CaptureTimeout) != time.Second || cfg.Camera != "replay:x" || cfg.Bundle != bundlePath {
		t.Errorf("config %+v, %v", cfg, err)
	}
}

// A configuration file that is wrong is refused with what is wrong in it:
// the setting, or the place of a syntax error.
func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for i, tc := range []struct{ js, want string }{
		{`{"bundel": "x"}`, `unknown setting "bundel"`},
		{`{"bundle": "b", "backoff": "fast"}`, `setting "backoff": time: invalid duration "fast"`},
		{`{"bundle": "b", "backoff": 5}`, `setting "backoff": a duration is a string such as "2s"`},
		{`{"bundle": "b", "retries": "many"}`, `setting "retries": json: cannot unmarshal string`},
		{"{\n  \"bundle\": \"b\",\n  \"limit\": 3,,\n}", "line 3, column 14: invalid character ','"},
		{`{"bundle": "b"} {"limit": 1}`, "line 1, column 17: text after the JSON object"},
		{`{"bundle": "b"`, "the JSON object is cut short"},
		{"  \n", "empty file"},
		{`[1, 2]`, "want one JSON object of settings"},
		{`null`, "not null"},
		{`{"bundle": "b", "retries": -1}`, "retries -1"},
		{`{"bundle": "b", "led": "GPIO17"}`, "-led needs -led-class"},
		{`{"bundle": "b", "backoff": "2s", "max_backoff": "1s"}`, "backoff <= max"},
	} {
		path := filepath.Join(dir, fmt.Sprintf("c%d.json", i))
		if err := os.WriteFile(path, []byte(tc.js), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := parseConfig([]string{"-config", path}, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.js, err, tc.want)
		}
	}
	if _, err := parseConfig([]string{"-config", filepath.Join(dir, "none.json")}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "config: open ") || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSelfTest(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	out, _, err := runOut(t, "-bundle", bundlePath, "-replay", replayDir, "-selftest")
	if err != nil || !strings.Contains(out, "selftest  OK") || !strings.Contains(out, "section CACH") {
		t.Errorf("%v:\n%s", err, out)
	}
	// The LED's pin is part of the board: found, it is reported; missing,
	// the self-test fails.
	pin := &gpiotest.Pin{N: "TESTLED4", Num: 104}
	if err := gpioreg.Register(pin); err != nil {
		t.Fatal(err)
	}
	defer gpioreg.Unregister(pin.N)
	out, _, err = runOut(t, "-bundle", bundlePath, "-replay", replayDir, "-selftest", "-led", "TESTLED4", "-led-class", "dog")
	if err != nil || !strings.Contains(out, "led       TESTLED4, on while dog is seen") || !strings.Contains(out, "selftest  OK") || pin.L != gpio.Low {
		t.Errorf("%v:\n%s", err, out)
	}
	if _, _, err = runOut(t, "-bundle", bundlePath, "-replay", replayDir, "-selftest", "-led", "NOPIN", "-led-class", "dog"); err == nil || !strings.Contains(err.Error(), `no GPIO pin "NOPIN"`) {
		t.Errorf("a missing LED pin passed the self-test: %v", err)
	}
	// A folder of files that do not decode: the camera side fails.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "x.jpg"), []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runOut(t, "-bundle", bundlePath, "-replay", bad, "-selftest")
	if err == nil || !strings.Contains(out, "selftest  FAIL") {
		t.Errorf("bad camera passed: %v\n%s", err, out)
	}
}

// checkSeparated fails when two fixture keys are so close that an image's
// own cache item would not clearly win its lookup: at theta, another item's
// weight against the image's own is at most the weight ratio (3) times
// exp(-theta (1 - cos)), and the fp16 dot products move a cosine by up to
// about 2.5e-4 (cache/dot_fp16_arm64.go). A gap of 0.05 in cosine leaves the
// true class above 0.9 at theta 90 (three items of the other class, each
// at most 3 exp(-4.5) = 0.033 of the own item), whatever the core.
func checkSeparated(t *testing.T, keys [][]float32, theta float32) {
	t.Helper()
	const gap = 0.05
	for i := range keys {
		for j := range i {
			var dot float64
			for k, v := range keys[i] {
				dot += float64(v) * float64(keys[j][k])
			}
			if 1-dot < gap {
				t.Fatalf("fixture keys %d and %d at cosine %.5f: too close for a recall at theta %v to be sure", i, j, dot, theta)
			}
		}
	}
}

func mustConverter(t *testing.T) *frame.Converter {
	t.Helper()
	c, err := frame.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
