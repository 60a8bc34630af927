package status

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func newTestHandler(t testing.TB) (*Handler, *fakeBoard) {
	b := newFakeBoard()
	h, err := New(b.state, Options{Teacher: b, Token: testToken, MaxBurst: 8})
	if err != nil {
		t.Fatal(err)
	}
	return h, b
}

func do(h http.Handler, method, path, ctype, auth, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestStatusJSON(t *testing.T) {
	h, _ := newTestHandler(t)
	w := do(h, "GET", "/api/status", "", "", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/status: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var st Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	f := st.Frame
	if f == nil || f.Seq != 41 || len(f.Top) != 3 || f.Top[0] != (Prediction{"cat", 0.8125}) || f.Top[1].Label != "dog" || f.Top[2].Label != "airplane" {
		t.Fatalf("frame %+v", f)
	}
	if f.Latency.Network != 41.5 || f.Latency.Total != 47 || f.Latency.Preprocess != 0.3 {
		t.Fatalf("latency %+v", f.Latency)
	}
	if st.Items != 1200 || len(st.Classes) != 3 || !st.Teach || st.Frames != 1 {
		t.Fatalf("status %+v", st)
	}
	// Before any frame: frame is null, the frame route says so in JSON.
	h2, err := New(NewState(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := do(h2, "GET", "/api/status", "", "", ""); !strings.Contains(w.Body.String(), `"frame":null`) || !strings.Contains(w.Body.String(), `"teach":false`) {
		t.Fatalf("empty status: %s", w.Body)
	}
	if w := do(h2, "GET", "/frame.jpg", "", "", ""); w.Code != 404 || !strings.Contains(w.Body.String(), "no frame yet") {
		t.Fatalf("frame before any: %d %s", w.Code, w.Body)
	}
}

func TestFrameJPEG(t *testing.T) {
	h, b := newTestHandler(t)
	w := do(h, "GET", "/frame.jpg", "", "", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/jpeg" || w.Header().Get("X-Frame-Seq") != "41" {
		t.Fatalf("GET /frame.jpg: %d %v", w.Code, w.Header())
	}
	img, err := jpeg.Decode(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, bl, _ := img.At(16, 16).RGBA(); r>>8 < 180 || g>>8 > 90 || bl>>8 > 90 {
		t.Fatalf("centre pixel %d %d %d, want red", r>>8, g>>8, bl>>8)
	}
	// A camera's own JPEG is served byte for byte.
	own := []byte("\xff\xd8 not really a jpeg \xff\xd9")
	b.state.Update(Frame{Seq: 42, JPEG: own})
	if w := do(h, "GET", "/frame.jpg", "", "", ""); !bytes.Equal(w.Body.Bytes(), own) || w.Header().Get("X-Frame-Seq") != "42" {
		t.Fatalf("camera JPEG not passed through: %q", w.Body.Bytes())
	}
}

func TestPage(t *testing.T) {
	h, _ := newTestHandler(t)
	for path, want := range map[string]string{"/": "<title>edgecache board</title>", "/app.js": "/api/teach", "/app.css": "#frame"} {
		w := do(h, "GET", path, "", "", "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
	}
	cases := []struct{ method, path, allow string }{
		{"DELETE", "/", "GET, HEAD"}, {"GET", "/api/teach", "POST"}, {"POST", "/api/status", "GET, HEAD"},
	}
	for _, c := range cases {
		w := do(h, c.method, c.path, "", "", "")
		if w.Code != 405 || w.Header().Get("Allow") != c.allow || !strings.Contains(w.Body.String(), `"error"`) {
			t.Fatalf("%s %s: %d allow %q %s", c.method, c.path, w.Code, w.Header().Get("Allow"), w.Body)
		}
	}
	if w := do(h, "GET", "/nope", "", "", ""); w.Code != 404 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /nope: %d", w.Code)
	}
	if w := do(h, "HEAD", "/api/status", "", "", ""); w.Code != 200 {
		t.Fatalf("HEAD /api/status: %d", w.Code)
	}
}

func TestTeach(t *testing.T) {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	bearer := "Bearer " + testToken
	cases := []struct {
		name, ctype, auth, body string
		code                    int
		call                    string // the Teach call it must make, "" for none
		want                    string // in the body
	}{
		{"json", js, bearer, `{"label":"zebra","k":3}`, 200, "zebra/3", `"new_class":true`},
		{"json default k", js, bearer, `{"label":" cat "}`, 200, "cat/1", `"class":1`},
		{"form with token field", form, "", "label=cat&k=2&token=" + testToken, 200, "cat/2", `"added":2`},
		{"json charset", js + "; charset=utf-8", bearer, `{"label":"dog"}`, 200, "dog/1", `"label":"dog"`},
		{"lowercase bearer", js, "bearer " + testToken, `{"label":"dog"}`, 200, "dog/1", `"added":1`},

		{"no token", js, "", `{"label":"zebra"}`, 401, "", "needs the token"},
		{"no token in form", form, "", "label=zebra", 401, "", "needs the token"},
		{"empty bearer", js, "Bearer ", `{"label":"zebra"}`, 401, "", "needs the token"},
		{"basic auth", js, "Basic dXNlcjpwYXNz", `{"label":"zebra"}`, 401, "", "Bearer TOKEN"},
		{"wrong token", js, "Bearer " + testToken + "x", `{"label":"zebra"}`, 403, "", "wrong token"},
		{"wrong form token", form, "", "label=zebra&token=guess", 403, "", "wrong token"},
		{"prefix of token", js, "Bearer " + testToken[:len(testToken)-1], `{"label":"zebra"}`, 403, "", "wrong token"},
		{"bad json without token", js, "", `{"label":`, 401, "", "needs the token"},

		{"bad json", js, bearer, `{"label":`, 400, "", "bad JSON"},
		{"unknown field", js, bearer, `{"label":"x","token":"y"}`, 400, "", "unknown field"},
		{"two values", js, bearer, `{"label":"x"} {}`, 400, "", "more than one value"},
		{"empty label", js, bearer, `{"label":"  "}`, 400, "", "label is empty"},
		{"long label", js, bearer, `{"label":"` + strings.Repeat("a", MaxLabel+1) + `"}`, 400, "", "label of 65 bytes"},
		{"control char", js, bearer, `{"label":"a\u0007b"}`, 400, "", "unprintable"},
		{"k zero", js, bearer, `{"label":"cat","k":0}`, 400, "", "k is 0 (1 to 8)"},
		{"k too big", js, bearer, `{"label":"cat","k":9}`, 400, "", "k is 9 (1 to 8)"},
		{"k text", form, bearer, "label=cat&k=lots", 400, "", "not a number"},
		{"k float", js, bearer, `{"label":"cat","k":1.5}`, 400, "", "bad JSON"},
		{"xml", "text/xml", bearer, `<label>cat</label>`, 415, "", "Content-Type"},
		{"no content type", "", bearer, `{"label":"cat"}`, 415, "", "Content-Type"},
		{"huge body", js, bearer, `{"label":"` + strings.Repeat("a", maxTeachBody) + `"}`, 413, "", "body over"},

		{"rejected", js, bearer, `{"label":"full"}`, 422, "full/1", "no room"},
		{"board error", js, bearer, `{"label":"broken"}`, 500, "broken/1", "camera stopped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, b := newTestHandler(t)
			w := do(h, "POST", "/api/teach", c.ctype, c.auth, c.body)
			if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s, want %d with %q", w.Code, w.Body, c.code, c.want)
			}
			calls := b.Calls()
			if (c.call == "") != (len(calls) == 0) || c.call != "" && calls[0] != c.call {
				t.Fatalf("Teach calls %q, want %q", calls, c.call)
			}
			if c.code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
}

// TestTeachShowsInCounts: a taught example is in the next status.
func TestTeachShowsInCounts(t *testing.T) {
	h, _ := newTestHandler(t)
	if w := do(h, "POST", "/api/teach", "application/json", "Bearer "+testToken, `{"label":"cat","k":2}`); w.Code != 200 {
		t.Fatal(w.Code, w.Body)
	}
	var st Status
	json.Unmarshal(do(h, "GET", "/api/status", "", "", "").Body.Bytes(), &st)
	if st.Classes[1] != (ClassCount{"cat", 400, 2}) || st.Taught != 2 || st.Items != 1202 {
		t.Fatalf("after teaching: %+v", st)
	}
}

func TestTeachingOff(t *testing.T) {
	b := newFakeBoard()
	h, err := New(b.state, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := do(h, "POST", "/api/teach", "application/json", "Bearer "+testToken, `{"label":"cat"}`); w.Code != 403 || !strings.Contains(w.Body.String(), "teaching is off") {
		t.Fatalf("teach with teaching off: %d %s", w.Code, w.Body)
	}
	if h.Teaching() {
		t.Fatal("Teaching() with no Teacher")
	}
}

func TestNewRefuses(t *testing.T) {
	b := newFakeBoard()
	for _, o := range []Options{{Teacher: b}, {Teacher: b, Token: "short"}, {MaxBurst: -1}} {
		if _, err := New(b.state, o); err == nil {
			t.Errorf("New accepted %+v", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New accepted no state")
	}
}

func TestListen(t *testing.T) {
	h, _ := newTestHandler(t)
	for _, addr := range []string{":0", "127.0.0.1:0"} {
		l, err := Listen(addr, h)
		if err != nil {
			t.Fatal(err)
		}
		host, _, _ := strings.Cut(l.Addr().String(), ":")
		l.Close()
		if host != "127.0.0.1" {
			t.Fatalf("Listen(%q) bound %s, want loopback", addr, l.Addr())
		}
	}
	// A handler that teaches with an empty token cannot be made by New; one
	// put together by hand is refused.
	bad := &Handler{state: h.state, teacher: h.teacher, token: tokenHash("")}
	if _, err := Listen(":0", bad); err == nil || !strings.Contains(err.Error(), "token is empty") {
		t.Fatalf("teaching without a token: %v", err)
	}
	if _, err := Listen("", nil); err == nil {
		t.Fatal("Listen without a handler")
	}
}

// TestServe runs the real server on loopback and shuts it down.
func TestServe(t *testing.T) {
	h, _ := newTestHandler(t)
	l, err := Listen(":0", h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Serve(ctx, l, h) }()
	r, err := http.Get("http://" + l.Addr().String() + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !bytes.Contains(b, []byte(`"seq":41`)) {
		t.Fatalf("%d %s", r.StatusCode, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
