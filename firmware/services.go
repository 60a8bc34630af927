package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/firmware/status"
)

// services is what runs beside the frame loop: the status page, teaching
// (from the page and a button) and the teach log.
type services struct {
	state   *status.State
	teacher *teacher
	wg      sync.WaitGroup
	errs    chan error
	cancel  context.CancelFunc
}

// token is the teach secret: the -token-file's first line, else
// $EDGECACHE_TOKEN ("" when neither: teaching from the page stays off).
// A file keeps it out of the process list and the unit file.
func token(cfg *config) (string, error) {
	if cfg.TokenFile != "" {
		b, err := os.ReadFile(cfg.TokenFile)
		if err != nil {
			return "", fmt.Errorf("token: %w", err)
		}
		t, _, _ := strings.Cut(string(b), "\n")
		t = strings.TrimSpace(t)
		if t == "" {
			return "", fmt.Errorf("token: %s is empty", cfg.TokenFile)
		}
		return t, nil
	}
	return os.Getenv("EDGECACHE_TOKEN"), nil
}

// startServices starts what cfg asks for and returns the hook the frame loop
// calls after each frame (nil when nothing is on).
func startServices(ctx context.Context, cfg *config, b *bundle.Bundle, cl *bundle.Classifier, logger *log.Logger) (*services, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &services{errs: make(chan error, 2), cancel: cancel}
	tok, err := token(cfg)
	if err != nil {
		cancel()
		return nil, err
	}
	teach := cfg.Button != "" || (cfg.Status != "" && tok != "")
	if teach {
		path := cfg.TeachLog
		if path == "" {
			path = cfg.Bundle + ".teach"
		}
		if b.Cache == nil {
			cancel()
			return nil, errors.New("teaching needs a bundle with a cache")
		}
		// A budget of 0 is what the bundle's cache takes (cache.NewLearner).
		if s.teacher, err = newTeacher(cl, path, cfg.TeachBudget, cfg.learnOpts(b), nil, logger); err != nil {
			cancel()
			return nil, err
		}
	}
	if cfg.Status != "" {
		s.state = status.NewState()
		opts := status.Options{}
		if s.teacher != nil && tok != "" {
			opts.Teacher, opts.Token = s.teacher, tok
		}
		h, err := status.New(s.state, opts)
		if err != nil {
			s.close()
			return nil, err
		}
		l, err := status.Listen(cfg.Status, h)
		if err != nil {
			s.close()
			return nil, err
		}
		logger.Printf("status page on http://%s/ (teaching %v)", l.Addr(), h.Teaching())
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := status.Serve(ctx, l, h); err != nil {
				s.errs <- err
			}
		}()
	}
	if s.teacher != nil {
		s.teacher.counts = func(c []status.ClassCount) {
			if s.state != nil {
				s.state.SetCounts(c)
			}
		}
		s.teacher.counts(s.teacher.classCounts())
	}
	if cfg.Button != "" {
		pin := gpioreg.ByName(cfg.Button)
		if pin == nil {
			s.close()
			return nil, fmt.Errorf("button: no GPIO pin %q on this board", cfg.Button)
		}
		if err := pin.In(gpio.PullUp, gpio.FallingEdge); err != nil {
			s.close()
			return nil, fmt.Errorf("button: %s: %w", cfg.Button, err)
		}
		s.wg.Add(1)
		go s.teacher.button(ctx, pin, cfg.ButtonLabel, &s.wg)
	}
	return s, nil
}

// onFrame updates the page and lets the teacher take the frame (nil when
// neither is on).
func (s *services) onFrame() func(*bundle.Classifier, device.Frame, bundle.Result, time.Duration) error {
	if s.state == nil && s.teacher == nil {
		return nil
	}
	return func(cl *bundle.Classifier, f device.Frame, r bundle.Result, capture time.Duration) error {
		select {
		case err := <-s.errs:
			return fmt.Errorf("status page: %w", err)
		default:
		}
		if s.teacher != nil {
			s.teacher.step()
		}
		if s.state != nil {
			sf := status.Frame{Seq: f.Seq, Time: f.Time, Image: f.Image,
				Latency: status.Latency{Capture: capture, Preprocess: r.Preprocess, Network: r.Network, Cache: r.Cache}}
			if f.Image == nil && f.Format == device.JPEG {
				// The camera may reuse its buffer for the next frame.
				sf.JPEG = append([]byte(nil), f.Data...)
			}
			for _, t := range cl.Top(r, 3) {
				sf.Top = append(sf.Top, status.Prediction{Label: t.Label, Prob: float64(t.Prob)})
			}
			s.state.Update(sf)
		}
		return nil
	}
}

// close stops the services' goroutines, waits for them and closes the
// teach log.
func (s *services) close() error {
	s.cancel()
	s.wg.Wait()
	if s.teacher != nil {
		return s.teacher.Close()
	}
	return nil
}
