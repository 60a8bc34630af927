package status

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// chromium finds a headless-capable Chromium ($CHROMIUM, or chromium /
// chromium-browser on PATH; Debian: apt-get install chromium). Without one
// the browser tests skip, except in CI (CI=true), where that is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser"}
	if c := os.Getenv("CHROMIUM"); c != "" {
		names = []string{c}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := "chromium not found (Debian: apt-get install chromium; or set CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browse loads url in headless Chromium, lets the page's scripts run for a
// few seconds of virtual time, and returns the DOM as Chromium holds it then
// (extra adds flags, e.g. a screenshot).
func browse(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=4000"}
	args = append(append(args, extra...), url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}

// TestChromium drives the page in a real browser: it shows the classified
// frame (the JPEG decoded by the browser), a teach through the page's form
// shows up in the counts, and teach requests without the right token are
// refused and never reach the board.
func TestChromium(t *testing.T) {
	bin := chromium(t)
	h, b := newTestHandler(t)
	srv := httptest.NewServer(h) // 127.0.0.1, a free port
	defer srv.Close()

	dom := browse(t, bin, srv.URL+"/", "--dump-dom")
	for _, want := range []string{
		`id="seq" class="muted">#41<`,
		`<li data-label="cat" data-prob="0.8125">cat 81.3%`,
		`<li data-label="dog" data-prob="0.11">dog 11.0%`,
		`<li data-label="airplane" data-prob="0.05">airplane 5.0%`,
		`id="lat-network">41.5<`,
		`id="lat-total">47.0<`,
		`<tr data-label="cat" data-items="398" data-taught="0">`,
		`1200 items, 0 taught`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The browser fetched and decoded the frame: its load event fired.
	if !regexp.MustCompile(`<img id="frame"[^>]*src="/frame.jpg\?seq=41"[^>]*data-loaded="41"`).MatchString(dom) {
		t.Errorf("frame image not loaded:\n%s", grep(dom, `id="frame"`))
	}
	if ch := strings.Contains(dom, "ship"); ch {
		t.Error("page shows a fourth class")
	}
	if t.Failed() {
		t.Fatalf("DOM:\n%s", dom)
	}

	// Refused without the token (and, in TestTeach, with a wrong one). The
	// page shows why.
	for _, c := range []struct{ frag, code string }{{"#teach=yak&k=1", "401"}} {
		dom = browse(t, bin, srv.URL+"/"+c.frag, "--dump-dom")
		if !regexp.MustCompile(`<p id="teach-result" role="status" class="err" data-code="` + c.code + `">refused`).MatchString(dom) {
			t.Fatalf("%s: want refusal %s:\n%s", c.frag, c.code, grep(dom, "teach-result"))
		}
	}
	if calls := b.Calls(); len(calls) != 0 {
		t.Fatalf("refused requests reached the board: %q", calls)
	}

	// Taught through the page's form: the new class is in the counts.
	shot := filepath.Join(t.TempDir(), "status.png")
	if d := os.Getenv("EDGECACHE_SCREENSHOT_DIR"); d != "" {
		shot = filepath.Join(d, "status.png")
	}
	dom = browse(t, bin, srv.URL+"/#teach=zebra&k=2&token="+testToken, "--dump-dom")
	if calls := b.Calls(); !slices.Equal(calls, []string{"zebra/2"}) {
		t.Fatalf("board taught %q, want zebra/2", calls)
	}
	for _, want := range []string{
		`class="ok" data-code="200">taught 2 examples of zebra (new class)`,
		`<tr data-label="zebra" data-items="2" data-taught="2">`,
		`1202 items, 2 taught`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("after teaching, page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Fatalf("DOM:\n%s", dom)
	}
	// A screenshot of the taught state, to look at (EDGECACHE_SCREENSHOT_DIR
	// keeps it); the test checks only that one was written.
	browse(t, bin, srv.URL+"/", "--screenshot="+shot, "--window-size=1100,760", "--hide-scrollbars")
	if st, err := os.Stat(shot); err != nil || st.Size() < 1000 {
		t.Fatalf("screenshot: %v", err)
	}
}

// grep returns the lines of s that contain sub.
func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
