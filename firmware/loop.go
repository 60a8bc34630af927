package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/edgecache/edgecache/cache/bundle"
	"github.com/edgecache/edgecache/device"
)

// frameJSON is one line of -json output.
type frameJSON struct {
	Time  time.Time       `json:"time"`
	Seq   uint64          `json:"seq"`
	Name  string          `json:"name,omitempty"`
	Top   []bundle.Ranked `json:"top"`
	Net   int             `json:"net_class"` // the network's own choice, before the cache
	Truth *int            `json:"truth,omitempty"`
	Ms    stageMs         `json:"ms"`
}

// stageMs is a frame's latency by stage, in milliseconds.
type stageMs struct {
	Capture    float64 `json:"capture"`
	Preprocess float64 `json:"preprocess"`
	Network    float64 `json:"network"`
	Cache      float64 `json:"cache"`
	Total      float64 `json:"total"`
}

// watchdogTurns is how many capture timeouts one turn of the loop may take
// before the watchdog ends the program.
const watchdogTurns = 3

// minWatchdog is the watchdog's shortest limit: a scheduling hiccup on a
// loaded board must not end a program configured with short timeouts.
var minWatchdog = 10 * time.Second

// hang ends the program when the watchdog fires; tests replace it.
var hang = func() { os.Exit(2) }

// reloader swaps the bundle on a signal (SIGHUP): open reads and checks the
// new one; a bundle that fails is refused and the running one stays.
type reloader struct {
	signal <-chan os.Signal
	open   func() (*bundle.Classifier, error)
}

// sleepCtx waits d, or less when ctx ends first (a signal during a backoff
// stops the program at once).
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loop captures and classifies frames until the source ends, ctx is done or
// the limit is reached. A camera fault (an error from the source, a frame
// that does not decode, a capture that outlives its timeout) is logged with
// its reason and retried after a backoff that doubles up to the maximum;
// after cfg.Retries faults in a row the loop gives up with the last one, so
// a dead camera never makes the board spin.
//
// onFrame, when not nil, runs after each classified frame (the status page,
// teaching), in the loop's goroutine, with the classifier that made r (a
// reload may have replaced the one loop was given).
//
// A watchdog guards the loop itself: a camera driver stuck in a call that
// ignores its context, or anything else that keeps one turn of the loop
// past watchdogTurns capture timeouts plus the longest backoff, is logged
// and ends the process (hang), for the service manager to restart it.
func loop(ctx context.Context, cfg *config, cam device.Source, cl *bundle.Classifier, led *indicator,
	sc *score, out io.Writer, logger *log.Logger, onFrame func(*bundle.Classifier, device.Frame, bundle.Result, time.Duration) error) error {
	limit := max(watchdogTurns*time.Duration(cfg.CaptureTimeout)+time.Duration(cfg.MaxBackoff), minWatchdog)
	dog := time.AfterFunc(limit, func() {
		logger.Printf("watchdog: the frame loop has not moved for %v (a camera call that never returns?); exiting", limit)
		hang()
	})
	defer dog.Stop()
	enc := json.NewEncoder(out)
	faults := 0
	wait := time.Duration(cfg.Backoff)
	fault := func(err error) error {
		faults++
		if faults > cfg.Retries {
			logger.Printf("camera fault %d in a row, no retry left: %v", faults, err)
			return fmt.Errorf("camera failed %d times in a row, giving up: %w", faults, err)
		}
		logger.Printf("camera fault %d in a row, retry %d of %d in %v: %v", faults, faults, cfg.Retries, wait, err)
		sleep := cfg.sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		sleep(ctx, wait)
		wait = min(2*wait, time.Duration(cfg.MaxBackoff))
		return nil
	}
	for n := 0; cfg.Limit == 0 || n < cfg.Limit; {
		dog.Reset(limit)
		if reload := cfg.reload; reload != nil {
			select {
			case <-reload.signal:
				if next, err := reload.open(); err != nil {
					logger.Printf("bundle reload refused, the running bundle stays: %v", err)
				} else {
					cl = next
					logger.Printf("bundle reloaded: %s", cl.Bundle().Meta.Name)
				}
			default:
			}
		}
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.CaptureTimeout))
		f, err := cam.Next(cctx)
		cancel()
		if ctx.Err() != nil || errors.Is(err, device.ErrEnd) {
			return nil
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%v gave no frame within %v", cam, cfg.CaptureTimeout.String())
			}
			if err := fault(err); err != nil {
				return err
			}
			continue
		}
		capture := time.Since(t0)
		r, err := cl.Classify(f)
		if err != nil {
			if err := fault(fmt.Errorf("frame %d %s: %w", f.Seq, f.Name, err)); err != nil {
				return err
			}
			continue
		}
		faults, wait = 0, time.Duration(cfg.Backoff)
		n++
		truth := sc.add(f.Name, r)
		if led != nil {
			if err := led.show(r.Class, r.Prob); err != nil {
				return err
			}
		}
		if onFrame != nil {
			if err := onFrame(cl, f, r, capture); err != nil {
				return err
			}
		}
		if cfg.JSON {
			rec := frameJSON{Time: f.Time, Seq: f.Seq, Name: f.Name, Top: cl.Top(r, 3), Net: r.Net,
				Ms: stageMs{Capture: ms(capture), Preprocess: ms(r.Preprocess), Network: ms(r.Network), Cache: ms(r.Cache),
					Total: ms(capture + r.Preprocess + r.Network + r.Cache)}}
			if f.Time.IsZero() {
				rec.Time = t0
			}
			if truth >= 0 {
				rec.Truth = &truth
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	return nil
}
