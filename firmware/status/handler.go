package status

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

//go:embed page
var page embed.FS

// Options configure a Handler. The zero value shows the page with teaching
// off.
type Options struct {
	// Teacher does the teaching; nil turns POST /api/teach off.
	Teacher Teacher
	// Token is the secret teach requests must carry: required with a
	// Teacher, at least MinToken bytes.
	Token string
	// MaxBurst is the largest k a request may ask for (0: DefaultMaxBurst).
	MaxBurst int
	// TeachTimeout bounds one teach request, burst included (0: 30 s).
	TeachTimeout time.Duration
}

// Handler serves the status page.
type Handler struct {
	state        *State
	teacher      Teacher
	token        [32]byte // SHA-256 of the token
	maxBurst     int
	teachTimeout time.Duration
	mux          *http.ServeMux
}

// New returns the page's handler for the state s.
func New(s *State, o Options) (*Handler, error) {
	if s == nil {
		return nil, errors.New("status: no state")
	}
	if o.Teacher != nil && len(o.Token) < MinToken {
		return nil, fmt.Errorf("status: teaching needs a token of at least %d bytes (got %d)", MinToken, len(o.Token))
	}
	if o.MaxBurst < 0 || o.TeachTimeout < 0 {
		return nil, fmt.Errorf("status: negative burst %d or timeout %v", o.MaxBurst, o.TeachTimeout)
	}
	h := &Handler{state: s, teacher: o.Teacher, token: tokenHash(o.Token), maxBurst: o.MaxBurst, teachTimeout: o.TeachTimeout}
	if h.maxBurst == 0 {
		h.maxBurst = DefaultMaxBurst
	}
	if h.teachTimeout == 0 {
		h.teachTimeout = 30 * time.Second
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.file("page/index.html", "text/html; charset=utf-8"))
	m.HandleFunc("GET /app.js", h.file("page/app.js", "text/javascript; charset=utf-8"))
	m.HandleFunc("GET /app.css", h.file("page/app.css", "text/css; charset=utf-8"))
	m.HandleFunc("GET /api/status", h.status)
	m.HandleFunc("GET /frame.jpg", h.frame)
	m.HandleFunc("POST /api/teach", h.teach)
	h.mux = m
	return h, nil
}

// Teaching reports whether POST /api/teach is on.
func (h *Handler) Teaching() bool { return h.teacher != nil }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	// The mux answers unknown paths and methods in plain text; the API
	// answers in JSON, so those are caught here.
	if _, pattern := h.mux.Handler(r); pattern == "" {
		if allow := h.allowed(r); allow != "" {
			hd.Set("Allow", allow)
			writeError(w, errorf(http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, errorf(http.StatusNotFound, "no page %s", r.URL.Path))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// allowed lists the methods a path takes ("" for an unknown path).
func (h *Handler) allowed(r *http.Request) string {
	switch r.URL.Path {
	case "/", "/app.js", "/app.css", "/api/status", "/frame.jpg":
		return "GET, HEAD"
	case "/api/teach":
		return "POST"
	}
	return ""
}

func (h *Handler) file(name, ctype string) http.HandlerFunc {
	b, err := page.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: missing means a broken build
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	st := h.state.Status()
	st.Teach = h.teacher != nil
	writeJSON(w, http.StatusOK, st)
}

func (h *Handler) frame(w http.ResponseWriter, r *http.Request) {
	b, seq, ok, err := h.state.frameJPEG()
	if err != nil {
		writeError(w, errorf(http.StatusInternalServerError, "encode frame %d: %v", seq, err))
		return
	}
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "no frame yet"))
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Seq", strconv.FormatUint(seq, 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encode JSON"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *httpError) {
	writeJSON(w, e.code, struct {
		Error string `json:"error"`
	}{e.msg})
}
