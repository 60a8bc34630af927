// Package status is the board's status page: an http.Handler the board
// program mounts when asked to (it is off unless the program is started with
// it), showing the latest frame, the top-3 classes with their
// probabilities, how long each stage of the last frame took, the cache's
// items per class, and a form to teach the board a labelled example.
//
// Routes:
//
//	GET  /            the page (HTML, its script and style from /app.js, /app.css; no external assets)
//	GET  /api/status  the state as JSON (Status)
//	GET  /frame.jpg   the latest frame as JPEG
//	POST /api/teach   teach: label (a class name, new or known) and k (a burst
//	                  of the next k frames, default 1), as JSON
//	                  {"label":"cat","k":3} or as a form; needs the token
//
// Reading is open to whoever reaches the listener, which is why Listen binds
// the loopback interface unless told otherwise. Teaching changes the board's
// memory, so it takes a token, as "Authorization: Bearer TOKEN" or, from the
// page's form, a "token" field: a request without one is refused with 401,
// one with a wrong token with 403, and neither reaches the Teacher.
//
// The board program feeds the page through a State, which it updates every
// frame and which is safe for concurrent use; it does the teaching through
// the Teacher it passes in Options.
package status
