package status

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzTeach sends arbitrary teach requests: the handler must never panic,
// must answer JSON with a known code, and must reach the Teacher only with
// the token, a valid label and a k in range.
func FuzzTeach(f *testing.F) {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	f.Add(js, "Bearer "+testToken, `{"label":"zebra","k":3}`)
	f.Add(form, "", "label=cat&k=2&token="+testToken)
	f.Add(form, "", "label=cat&k=2&token=%73"+testToken[1:])
	f.Add(js, "", `{"label":"cat"}`)
	f.Add(js, "Bearer x", `{"label":"cat"}`)
	f.Add("multipart/form-data; boundary=x", "Bearer "+testToken, "--x\r\n")
	f.Add(js+"; charset=\"", "Basic", `{"label":"\u0000"}`)
	f.Fuzz(func(t *testing.T, ctype, auth, body string) {
		h, b := newTestHandler(t)
		r := httptest.NewRequest("POST", "/api/teach", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 401, 403, 413, 415, 422, 500:
		default:
			t.Fatalf("code %d: %s", w.Code, w.Body)
		}
		if !strings.HasPrefix(w.Body.String(), "{") {
			t.Fatalf("not JSON: %q", w.Body)
		}
		calls := b.Calls()
		if len(calls) == 0 {
			return
		}
		plain, err := url.QueryUnescape(body)
		if err != nil {
			plain = body
		}
		if !strings.Contains(auth, testToken) && !strings.Contains(plain, testToken) {
			t.Fatalf("Teach called without the token: %q %q", auth, body)
		}
		label, ks, _ := strings.Cut(calls[0], "/")
		if k, err := strconv.Atoi(ks); checkLabel(label) != nil || err != nil || k < 1 || k > h.maxBurst {
			t.Fatalf("Teach called with %q", calls[0])
		}
	})
}

// FuzzRoute requests arbitrary paths with arbitrary methods: no panic, and
// every answer outside the known routes is a JSON error.
func FuzzRoute(f *testing.F) {
	for _, p := range []string{"/", "/api/status", "/frame.jpg", "/api/teach", "/app.js", "/../etc/passwd", "//", "/api/status/"} {
		f.Add("GET", p)
		f.Add("POST", p)
	}
	h, _ := newTestHandler(f)
	f.Fuzz(func(t *testing.T, method, path string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Method = method
		r.URL = &url.URL{Path: path}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 400 && !strings.HasPrefix(w.Body.String(), "{") {
			t.Fatalf("%s %q: %d %q", method, path, w.Code, w.Body)
		}
	})
}
