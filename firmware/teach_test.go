package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/cache/journal"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/firmware/status"
)

// teachRig is a classifier over the fixture's bundle and a frame to show it.
func teachRig(t *testing.T) (*bundle.Classifier, device.Frame, string) {
	t.Helper()
	bundlePath, _ := fixture(t, []string{"layer3.0"}, false)
	cl := loadClassifier(t, bundlePath)
	// A frame the cache has not seen (the replayed ones are all in it).
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return cl, device.Frame{Image: img}, bundlePath
}

// teachFrames runs Teach(label, k) while the "loop" classifies frames and
// steps the teacher, as the firmware's loop does.
func teachFrames(t *testing.T, te *teacher, cl *bundle.Classifier, f device.Frame, label string, k int) (status.Taught, error) {
	t.Helper()
	type result struct {
		res status.Taught
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := te.Teach(context.Background(), label, k)
		done <- result{res, err}
	}()
	for i := 0; i < 1000; i++ {
		select {
		case r := <-done:
			return r.res, r.err
		default:
		}
		if _, err := cl.Classify(f); err != nil {
			t.Fatal(err)
		}
		te.step()
		time.Sleep(time.Millisecond)
	}
	t.Fatal("teach never finished")
	return status.Taught{}, nil
}

func TestTeachNewClassAndRestart(t *testing.T) {
	cl, f, bundlePath := teachRig(t)
	logPath := filepath.Join(t.TempDir(), "board.teach")
	mem := cl.Bundle().Cache
	n0 := mem.Len()
	logger := log.New(io.Discard, "", 0)
	// Groups of 2: the three teapot examples make two items.
	lo := cache.LearnOpts{Group: 2, Prior: 1}
	te, err := newTeacher(cl, logPath, 1<<30, lo, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	res, err := teachFrames(t, te, cl, f, "teapot", 3)
	if err != nil || res.Added != 3 || !res.NewClass || res.Class != 2 {
		t.Fatalf("teach: %+v %v", res, err)
	}
	if mem.Len() != n0+2 || mem.Classes() != 3 || cl.Label(2) != "teapot" {
		t.Fatalf("cache %d items %d classes", mem.Len(), mem.Classes())
	}
	// The taught frame is now recognised as the new class (CacheOnly at
	// theta 90: its own key is the nearest).
	r, err := cl.Classify(f)
	if err != nil || cl.Label(r.Class) != "teapot" {
		t.Errorf("after teaching: %s (%v)", cl.Label(r.Class), err)
	}
	res, err = teachFrames(t, te, cl, f, "cat", 1)
	if err != nil || res.NewClass || res.Class != 0 {
		t.Fatalf("teach an old class: %+v %v", res, err)
	}
	counts := te.classCounts()
	if counts[2].Label != "teapot" || counts[2].Items != 2 || counts[2].Taught != 3 || counts[0].Taught != 1 || counts[0].Items+counts[1].Items != n0+1 {
		t.Errorf("counts %+v", counts)
	}
	if err := te.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart: the bundle again, the log replayed.
	cl2 := loadClassifier(t, bundlePath)
	te2, err := newTeacher(cl2, logPath, 1<<30, lo, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer te2.Close()
	b2 := cl2.Bundle()
	if b2.Cache.Len() != n0+3 || cl2.Label(2) != "teapot" {
		t.Fatalf("restored %d items, classes %v", b2.Cache.Len(), cl2.Labels())
	}
	for i := 0; i < b2.Cache.Len(); i++ {
		k1, k2 := mem.Key(nil, i), b2.Cache.Key(nil, i)
		for j := range k1 {
			if k1[j] != k2[j] || mem.Label(i) != b2.Cache.Label(i) || mem.Weight(i) != b2.Cache.Weight(i) {
				t.Fatalf("item %d differs after the restart", i)
			}
		}
	}
}

// A log written for another bundle is refused, not mixed in.
func TestTeachForeignLog(t *testing.T) {
	cl, _, _ := teachRig(t)
	logPath := filepath.Join(t.TempDir(), "board.teach")
	lg, _, err := journal.Open(logPath, journal.Header{Bundle: journal.ID{1, 2, 3}, Dim: cl.Bundle().Cache.Dim()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lg.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = newTeacher(cl, logPath, 1<<30, cache.DefaultLearnOpts, nil, log.New(io.Discard, "", 0))
	if !errors.Is(err, journal.ErrForeign) {
		t.Errorf("foreign log: %v", err)
	}
}

// Within its budget the cache gives up the bundle's items first, from the
// largest class, and never a taught example while a bundle item is left.
func TestTeachBudget(t *testing.T) {
	cl, f, _ := teachRig(t)
	mem := cl.Bundle().Cache
	budget := mem.Bytes() + 16 // no room for a new item: each teach evicts
	te, err := newTeacher(cl, filepath.Join(t.TempDir(), "t"), budget, cache.LearnOpts{Group: 1, Prior: 1}, nil, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	defer te.Close()
	n0 := mem.Len()
	for i := 0; i < n0+2; i++ {
		if _, err := teachFrames(t, te, cl, f, "teapot", 1); err != nil {
			t.Fatal(err)
		}
		if mem.Bytes() > budget {
			t.Fatalf("cache %d bytes over its budget %d", mem.Bytes(), budget)
		}
		taught := 0
		for _, c := range te.classCounts() {
			taught += c.Taught
		}
		if want := min(i+1, mem.Len()); taught != want {
			t.Errorf("after %d teaches %d taught items in %d", i+1, taught, mem.Len())
		}
	}
	if len(te.live) != mem.Len() || te.log.Len() != mem.Len() {
		t.Errorf("log %d records, live %d, cache %d", te.log.Len(), len(te.live), mem.Len())
	}
}

// freePort finds a loopback port no one listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func teachHTTP(addr, token, label string, k int) (int, status.Taught, error) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/teach", strings.NewReader(url.Values{"label": {label}, "k": {fmt.Sprint(k)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, status.Taught{}, err
	}
	defer resp.Body.Close()
	var res status.Taught
	json.NewDecoder(resp.Body).Decode(&res)
	return resp.StatusCode, res, nil
}

func waitHTTP(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/api/status"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("status page on %s never came up", addr)
}

// The board program with its status page: a teach request with the token
// adds examples and shows in the page's counts; one without is refused.
func TestStatusTeach(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	addr := freePort(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "100",
			"-status", addr, "-token-file", tokenFile, "-teach-log", filepath.Join(t.TempDir(), "t.teach")}, io.Discard, io.Discard)
	}()
	waitHTTP(t, addr)
	if code, _, err := teachHTTP(addr, "", "teapot", 1); err != nil || code != http.StatusUnauthorized {
		t.Errorf("no token: %d %v", code, err)
	}
	if code, _, err := teachHTTP(addr, "wrong-token!", "teapot", 1); err != nil || code != http.StatusForbidden {
		t.Errorf("wrong token: %d %v", code, err)
	}
	code, res, err := teachHTTP(addr, "s3cret-token", "teapot", 2)
	if err != nil || code != http.StatusOK || res.Added != 2 || !res.NewClass {
		t.Fatalf("teach: %d %+v %v", code, res, err)
	}
	resp, err := http.Get("http://" + addr + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	var st status.Status
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	found := false
	for _, c := range st.Classes {
		if c.Label == "teapot" && c.Taught == 2 {
			found = true
		}
	}
	if !found || st.Frame == nil || len(st.Frame.Top) == 0 {
		t.Errorf("status %+v", st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestKill9: the real board program is killed (SIGKILL, as a power cut
// leaves it) at random points while it is being taught; at every restart
// it must hold every example it confirmed, and nothing else.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the board program 8 times")
	}
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	exe := filepath.Join(t.TempDir(), "firmware")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	logPath := filepath.Join(t.TempDir(), "board.teach")
	confirmed := 0
	rng := rand.New(rand.NewPCG(9, 9)) // kill points: 20 to 110 ms into a round
	for round := 0; round < 8; round++ {
		addr := freePort(t)
		// A budget with room for every example: none is given up, so the
		// log must hold exactly what was confirmed.
		cmd := exec.Command(exe, "-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "200",
			"-status", addr, "-teach-log", logPath, "-teach-budget", "100000000")
		cmd.Env = append(os.Environ(), "EDGECACHE_TOKEN=kill-test-token")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, addr)
		// What the restarted board holds: every confirmed example, no more.
		rep := readLog(t, logPath)
		if len(rep.Records) < confirmed || len(rep.Records) > confirmed+1 {
			// One example may be on disk without its confirmation having
			// reached us (killed between the fsync and the reply).
			t.Fatalf("round %d: the log holds %d examples, %d were confirmed", round, len(rep.Records), confirmed)
		}
		confirmed = len(rep.Records)
		killAt := time.Duration(20+rng.IntN(90)) * time.Millisecond
		timer := time.AfterFunc(killAt, func() { cmd.Process.Kill() })
		for {
			code, res, err := teachHTTP(addr, "kill-test-token", fmt.Sprintf("class%d", round%3), 1)
			if err != nil || code != http.StatusOK {
				break // killed
			}
			confirmed += res.Added
		}
		timer.Stop()
		cmd.Process.Kill()
		cmd.Wait()
	}
	if confirmed == 0 {
		t.Fatal("no example was confirmed in 8 rounds")
	}
	rep := readLog(t, logPath)
	if len(rep.Records) < confirmed || len(rep.Records) > confirmed+1 {
		t.Fatalf("the log holds %d examples, %d were confirmed", len(rep.Records), confirmed)
	}
	t.Logf("%d examples confirmed across 8 kills; the log holds %d", confirmed, len(rep.Records))
}

func readLog(t *testing.T, path string) *journal.Replay {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &journal.Replay{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := journal.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A push button on a GPIO pin teaches the current frame as the configured
// label: a press (falling edge) puts one example in the cache and the log.
func TestButtonTeaches(t *testing.T) {
	bundlePath, replayDir := fixture(t, []string{"layer3.0"}, false)
	pin := &gpiotest.Pin{N: "TESTBUTTON", Num: 103, EdgesChan: make(chan gpio.Level, 4)}
	if err := gpioreg.Register(pin); err != nil {
		t.Fatal(err)
	}
	defer gpioreg.Unregister(pin.N)
	logPath := filepath.Join(t.TempDir(), "board.teach")
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-bundle", bundlePath, "-replay", replayDir, "-loop", "-fps", "100",
			"-button", "TESTBUTTON", "-button-label", "doorbell", "-teach-log", logPath}, io.Discard, &logs)
	}()
	for i := 0; i < 300 && !strings.Contains(logs.String(), "taught an example"); i++ {
		if i%50 == 0 {
			pin.EdgesChan <- gpio.Low // a press
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `button: taught an example of "doorbell" (class 2)`) {
		t.Fatalf("log:\n%s", logs.String())
	}
	rep := readLog(t, logPath)
	if len(rep.Records) < 1 || rep.Records[0].Name != "doorbell" || rep.Records[0].Class != 2 {
		t.Errorf("teach log %+v", rep.Records)
	}
}
