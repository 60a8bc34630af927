package status

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Teacher adds labelled examples to the board's cache; the board program
// implements it.
type Teacher interface {
	// Teach adds the current frame (k = 1) or the next k frames as examples
	// of the class named label, creating the class if it is new. An error
	// wrapping ErrRejected is the request's fault (the page shows it as
	// such); any other is the board's.
	Teach(ctx context.Context, label string, k int) (Taught, error)
}

// Taught is what a teach request did, returned to the client as JSON.
type Taught struct {
	Label    string `json:"label"`
	Class    int    `json:"class"`     // the class index in the cache
	Added    int    `json:"added"`     // examples added
	NewClass bool   `json:"new_class"` // the label was not a class before
}

// ErrRejected marks a teach request the board refuses for a reason the user
// can fix (e.g. no room left for taught examples).
var ErrRejected = errors.New("teach rejected")

const (
	// MaxLabel is the longest class name in bytes.
	MaxLabel = 64
	// DefaultMaxBurst is the largest k unless Options say otherwise.
	DefaultMaxBurst = 32
	// MinToken is the shortest token New accepts.
	MinToken = 8
	// maxTeachBody bounds a teach request's body: a label, a count and a
	// token fit in a few hundred bytes.
	maxTeachBody = 4 << 10
)

// teachRequest is a parsed POST /api/teach.
type teachRequest struct {
	Label string
	K     int
	Token string // from the Authorization header or the form
}

// httpError is an error with the status code it answers with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, a ...any) *httpError {
	return &httpError{code, fmt.Sprintf(format, a...)}
}

// parseTeach reads a teach request: the body (bounded), as JSON or a form,
// and the token. It checks only the syntax; the token and the values are
// checked by the caller, the token first.
func parseTeach(r *http.Request) (teachRequest, *httpError) {
	var req teachRequest
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, tok, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return req, errorf(http.StatusUnauthorized, "Authorization must be \"Bearer TOKEN\"")
		}
		req.Token = strings.TrimSpace(tok)
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return req, errorf(http.StatusUnsupportedMediaType, "bad Content-Type: %v", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTeachBody+1))
	if err != nil {
		return req, errorf(http.StatusBadRequest, "read body: %v", err)
	}
	if len(body) > maxTeachBody {
		return req, errorf(http.StatusRequestEntityTooLarge, "body over %d bytes", maxTeachBody)
	}
	var kText string
	switch ct {
	case "application/json":
		var j struct {
			Label string `json:"label"`
			K     *int   `json:"k"`
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return req, errorf(http.StatusBadRequest, "bad JSON: %v", err)
		}
		if dec.More() {
			return req, errorf(http.StatusBadRequest, "bad JSON: more than one value")
		}
		req.Label = j.Label
		if j.K != nil {
			kText = strconv.Itoa(*j.K)
		}
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return req, errorf(http.StatusBadRequest, "bad form: %v", err)
		}
		req.Label, kText = v.Get("label"), v.Get("k")
		if req.Token == "" {
			req.Token = v.Get("token")
		}
	default:
		return req, errorf(http.StatusUnsupportedMediaType, "Content-Type %q: send application/json or a form", ct)
	}
	req.K = 1
	if kText = strings.TrimSpace(kText); kText != "" {
		k, err := strconv.Atoi(kText)
		if err != nil {
			return req, errorf(http.StatusBadRequest, "k %q is not a number", kText)
		}
		req.K = k
	}
	req.Label = strings.TrimSpace(req.Label)
	return req, nil
}

// checkLabel refuses what cannot be a class name.
func checkLabel(s string) *httpError {
	if s == "" {
		return errorf(http.StatusBadRequest, "label is empty")
	}
	if len(s) > MaxLabel {
		return errorf(http.StatusBadRequest, "label of %d bytes (at most %d)", len(s), MaxLabel)
	}
	if !utf8.ValidString(s) {
		return errorf(http.StatusBadRequest, "label is not UTF-8")
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return errorf(http.StatusBadRequest, "label holds the unprintable character %U", c)
		}
	}
	return nil
}

// tokenHash is what tokens are compared by: hashing first makes the
// comparison's time independent of the lengths too.
func tokenHash(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func (h *Handler) tokenOK(tok string) bool {
	got := tokenHash(tok)
	return subtle.ConstantTimeCompare(got[:], h.token[:]) == 1
}

func (h *Handler) teach(w http.ResponseWriter, r *http.Request) {
	if h.teacher == nil {
		writeError(w, errorf(http.StatusForbidden, "teaching is off on this board"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTeachBody+1)
	req, herr := parseTeach(r)
	if herr == nil || herr.code == http.StatusBadRequest {
		// Nobody learns anything about a request's values without the
		// token.
		switch {
		case req.Token == "":
			herr = errorf(http.StatusUnauthorized, "teaching needs the token")
		case !h.tokenOK(req.Token):
			herr = errorf(http.StatusForbidden, "wrong token")
		}
	}
	if herr == nil {
		herr = checkLabel(req.Label)
	}
	if herr == nil && (req.K < 1 || req.K > h.maxBurst) {
		herr = errorf(http.StatusBadRequest, "k is %d (1 to %d)", req.K, h.maxBurst)
	}
	if herr != nil {
		if herr.code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="edgecache"`)
		}
		writeError(w, herr)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.teachTimeout)
	defer cancel()
	t, err := h.teacher.Teach(ctx, req.Label, req.K)
	switch {
	case errors.Is(err, ErrRejected):
		writeError(w, errorf(http.StatusUnprocessableEntity, "%v", err))
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, errorf(http.StatusGatewayTimeout, "teach took over %v: %v", h.teachTimeout, err))
	case err != nil:
		writeError(w, errorf(http.StatusInternalServerError, "teach: %v", err))
	default:
		writeJSON(w, http.StatusOK, t)
	}
}
