package status

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultAddr is where the page listens unless told otherwise: the board
// itself only.
const DefaultAddr = "127.0.0.1:8080"

// Listen opens the page's listener. An empty addr is DefaultAddr, and a
// port without a host (":8080") also binds the loopback interface, not
// every interface as net.Listen would: showing the camera to the network
// takes naming an address ("0.0.0.0:8080"). A handler that teaches without
// a token is refused.
func Listen(addr string, h *Handler) (net.Listener, error) {
	if h == nil || h.state == nil {
		return nil, errors.New("status: listen: no handler (use New)")
	}
	if h.teacher != nil && h.token == tokenHash("") {
		return nil, errors.New("status: listen: teaching is on but the token is empty")
	}
	if addr == "" {
		addr = DefaultAddr
	} else if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return l, nil
}

// Serve serves h on l until ctx ends, with timeouts that keep slow or idle
// clients from holding a small board's connections. It returns nil after a
// clean shutdown.
func Serve(ctx context.Context, l net.Listener, h *Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// A teach burst waits for k frames.
		WriteTimeout:   h.teachTimeout + 10*time.Second,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 8 << 10,
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		case <-done:
		}
	}()
	err := srv.Serve(l)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("status: %w", err)
}
