package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgecache/edgecache/device"
)

// mjpegRecording writes the replay fixture's images as one MJPEG stream
// (whole 320x240-ish JPEGs back to back, as rpicam-vid --codec mjpeg sends).
func mjpegRecording(t *testing.T, replayDir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(replayDir, "*", "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fixture: no images in %s (%v)", replayDir, err)
	}
	var stream bytes.Buffer
	for _, f := range files {
		img := decodePNG(t, f)
		if err := jpeg.Encode(&stream, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "stream.mjpeg")
	if err := os.WriteFile(path, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// An MJPEG stream from a file, and the same stream from a program on a pipe
// (the way rpicam-vid feeds the Pi camera modules), classify frame by frame.
func TestMJPEGCameras(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	rec := mjpegRecording(t, replayDir)
	out, _, err := runOut(t, "-bundle", bundlePath, "-camera", "mjpeg:"+rec, "-json", "-limit", "6")
	if err != nil {
		t.Fatal(err)
	}
	if fs, _ := frames(t, out); len(fs) != 6 {
		t.Errorf("mjpeg file: %d frames, want 6", len(fs))
	}
	// A stand-in for rpicam-vid that streams the recording at its own pace.
	script := filepath.Join(t.TempDir(), "cam.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nwhile true; do cat "+rec+"; sleep 0.05; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, logs, err := runOut(t, "-bundle", bundlePath, "-camera", "rpicam:size=320x240,fps=5,cmd="+script, "-json", "-limit", "4")
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if fs, _ := frames(t, out); len(fs) != 4 {
		t.Errorf("rpicam pipe: %d frames, want 4", len(fs))
	}
}

func TestCameraSpecs(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"replay:", "give the folder"},
		{"arducam-sim:", "give the folder"},
		{"rpicam:size=big", "size \"big\""},
		{"rpicam:fps=0", "fps \"0\""},
		{"rpicam:zoom=2", "unknown setting \"zoom\""},
		{"uvc:/dev/video0,format=h264", "format \"h264\""},
		{"uvc:/dev/video0,size=1x", "size \"1x\""},
		{"mjpeg:/nonexistent/stream", "no such file"},
		{"rpicam:size=320x240,extra", "\"extra\" is not key=value"},
	} {
		cs, err := parseCamera(tc.spec)
		if err == nil {
			var src device.Source
			src, _, err = openCamera(cs, &config{})
			if src != nil {
				src.Close()
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
}

// periph's host drivers are loaded whenever the program touches the board's
// buses or pins, for the button as much as for the LED and the ArduCAM: a
// pin looked up before host.Init is not found.
func TestNeedsHost(t *testing.T) {
	for _, tc := range []struct {
		camera, led, button string
		want                bool
	}{
		{"arducam:spi=SPI0.0,i2c=1", "", "", true},
		{"replay:DIR", "GPIO17", "", true},
		{"rpicam", "", "GPIO27", true},
		{"uvc:/dev/video0", "", "", false},
		{"replay:DIR", "", "", false},
		{"arducam-sim:DIR", "", "", false},
	} {
		cs, err := parseCamera(tc.camera)
		if err != nil {
			t.Fatal(err)
		}
		cfg := config{LED: tc.led, Button: tc.button}
		if got := cfg.needsHost(cs); got != tc.want {
			t.Errorf("%+v: needsHost %v", tc, got)
		}
	}
}
