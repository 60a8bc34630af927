package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asMain is the environment variable that makes the test binary run main
// (TestMain).
const asMain = "EDGECACHE_FIRMWARE_MAIN"

// program is the board program running as a process (the test binary in
// main mode), its stdout read line by line as it comes.
type program struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
}

func startProgram(t *testing.T, args ...string) *program {
	t.Helper()
	p := &program{cmd: exec.Command(os.Args[0], args...), lines: make(chan string, 1<<16)}
	p.cmd.Env = append(os.Environ(), asMain+"=1")
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			// An emulated test binary (go test -exec qemu-...) on a host
			// without binfmt_misc cannot start itself; natively it can.
			t.Skipf("the test binary cannot start itself here: %v", err)
		}
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	return p
}

// wait collects the remaining output and the exit status (-1: killed by a
// signal), failing the test when the program does not end within limit.
func (p *program) wait(t *testing.T, limit time.Duration, got []string) ([]string, int) {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				err := p.cmd.Wait()
				var ee *exec.ExitError
				switch {
				case err == nil:
					return got, 0
				case errors.As(err, &ee):
					return got, ee.ExitCode()
				}
				t.Fatal(err)
			}
			got = append(got, l)
		case <-timer.C:
			p.cmd.Process.Kill()
			t.Fatalf("the program did not end within %v; stderr:\n%s", limit, p.stderr.String())
		}
	}
}

// SIGTERM (systemd's stop) and SIGINT (Ctrl-C) sent to the running program:
// it finishes the frame in flight, prints its summary line and exits 0; every
// frame line before the summary is whole and counted in it.
func TestSignals(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := startProgram(t, "-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "100", "-json")
			var lines []string
			deadline := time.After(60 * time.Second)
			for len(lines) < 5 {
				select {
				case l, ok := <-p.lines:
					if !ok {
						p.cmd.Wait()
						t.Fatalf("the program ended before the signal; stderr:\n%s", p.stderr.String())
					}
					lines = append(lines, l)
				case <-deadline:
					p.cmd.Process.Kill()
					t.Fatalf("no frames; stderr:\n%s", p.stderr.String())
				}
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			lines, code := p.wait(t, 30*time.Second, lines)
			if code != 0 {
				t.Errorf("exit status %d after %v, want 0; stderr:\n%s", code, sig, p.stderr.String())
			}
			fs, sum := frames(t, strings.Join(lines, "\n"))
			if last := lines[len(lines)-1]; !strings.Contains(last, `"summary":true`) {
				t.Errorf("the last line is not the summary: %s", last)
			}
			if sum.Frames < 5 || sum.Frames != len(fs) || sum.Labelled != len(fs) {
				t.Errorf("summary %+v after %d frame lines", sum, len(fs))
			}
			if strings.Contains(p.stderr.String(), "panic") || strings.Contains(p.stderr.String(), "camera fault") {
				t.Errorf("stderr:\n%s", p.stderr.String())
			}
		})
	}
}

// The exit status tells a service manager and an installer what happened:
// 0 for a good self-test, 1 with the reason on stderr for a bad one, a bad
// configuration or a camera that keeps failing.
func TestExitStatus(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	dir := t.TempDir()
	badFrames := filepath.Join(dir, "bad")
	if err := os.MkdirAll(badFrames, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		if err := os.WriteFile(filepath.Join(badFrames, name), []byte("not a jpeg"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	badConfig := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badConfig, []byte(`{"bundle": "x", "retries": "many"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"selftest ok", []string{"-bundle", bundlePath, "-replay", replayDir, "-selftest"}, 0, "selftest  OK", ""},
		{"selftest bad frames", []string{"-bundle", bundlePath, "-replay", badFrames, "-selftest"}, 1,
			"selftest  FAIL: frame", "firmware: selftest: frame 0: frame: jpeg: no start-of-image marker"},
		// A Pi camera whose rpicam-vid exits at once: no frame comes.
		{"selftest dead camera", []string{"-bundle", bundlePath, "-camera", "rpicam:cmd=false", "-capture-timeout", "300ms", "-selftest"}, 1,
			"selftest  FAIL: camera", "firmware: selftest: camera: "},
		{"selftest bad bundle", []string{"-bundle", filepath.Join(dir, "none.bundle"), "-replay", replayDir, "-selftest"}, 1,
			"", "firmware: open " + filepath.Join(dir, "none.bundle")},
		{"bad config", []string{"-config", badConfig}, 1, "", "firmware: config " + badConfig + ": "},
		{"camera keeps failing", []string{"-bundle", bundlePath, "-replay", badFrames, "-loop", "-retries", "3", "-backoff", "1ms", "-max-backoff", "2ms"}, 1,
			"", "camera failed 4 times in a row, giving up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProgram(t, tc.args...)
			lines, code := p.wait(t, 60*time.Second, nil)
			out := strings.Join(lines, "\n")
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(p.stderr.String(), tc.stderr) {
				t.Errorf("exit status %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, p.stderr.String())
			}
		})
	}
}
