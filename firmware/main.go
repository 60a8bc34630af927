// Command firmware is the board program: it loads a bundle (the int8
// network, the cache memory and its settings, from edgecache bundle), reads
// frames from a camera, classifies each and reports what it saw, one JSON
// line per frame with -json. Built for the boards with CGO_ENABLED=0
// (GOARCH=arm64, or GOARCH=arm with GOARM=6/7).
//
//	firmware -bundle board.bundle -camera arducam:spi=SPI0.0,i2c=1 [-json] [-led GPIO17 -led-class cat]
//	firmware -bundle board.bundle -camera replay:DIR [-loop] [-fps N]
//	firmware -bundle board.bundle -camera rpicam -selftest
//	firmware -config /etc/edgecache/firmware.json
//
// A replayed folder laid out as an ImageFolder tree (DIR/<class>/<file>) is
// also scored: the class folder names the true label. SIGTERM and SIGINT
// stop it cleanly (LED off, camera released); a camera that keeps failing
// ends it with exit status 1 and the reason, for the service manager to
// restart it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"periph.io/x/host/v3"

	"github.com/edgecache/edgecache/cache/bundle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal asks for a clean stop; once it is under way a second
	// one (Ctrl-C again) kills the program the default way.
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "firmware:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "firmware: ", log.LstdFlags)
	b, err := bundle.ReadFile(cfg.Bundle)
	if err != nil {
		return err
	}
	if err := cfg.preprocess(b); err != nil {
		return err
	}
	cs, err := parseCamera(cfg.Camera)
	if err != nil {
		return err
	}
	if cfg.needsHost(cs) {
		// The board's SPI, I2C and GPIO drivers (periph.io/x/host).
		if _, err := host.Init(); err != nil {
			return fmt.Errorf("board drivers: %w", err)
		}
	}
	cam, closers, err := openCamera(cs, &cfg)
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	if err != nil {
		return fmt.Errorf("camera: %w", err)
	}
	defer cam.Close()
	cl, err := bundle.NewClassifier(b)
	if err != nil {
		return err
	}
	if err := cl.SetThreads(cfg.Threads); err != nil {
		return err
	}
	// The LED before the self-test, so that a pin or class the board does
	// not have fails the test rather than the service after it.
	var led *indicator
	if cfg.LED != "" {
		if led, err = newIndicator(cfg.LED, cfg.LEDClass, cfg.LEDMin, b.Meta.Classes); err != nil {
			return err
		}
		defer led.off()
	}
	if cfg.SelfTest {
		return selfTest(ctx, &cfg, b, cam, cl, led, stdout)
	}
	svc, err := startServices(ctx, &cfg, b, cl, logger)
	if err != nil {
		return err
	}
	defer svc.close()
	// SIGHUP reloads the bundle from its file: a bundle that fails its
	// checks is refused and the running one stays.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg.reload = &reloader{signal: hup, open: func() (*bundle.Classifier, error) {
		return reopen(&cfg, b, svc)
	}}
	sc := newScore(b.Meta.Classes, b.Cache != nil)
	start := time.Now()
	err = loop(ctx, &cfg, cam, cl, led, sc, stdout, logger, svc.onFrame())
	elapsed := time.Since(start)
	if cfg.JSON {
		sum := sc.summary(elapsed)
		if st, serr := os.Stat(cfg.Bundle); serr == nil {
			sum.BundleBytes = st.Size()
		}
		if b.Cache != nil {
			sum.CacheBytes = b.Cache.Bytes()
		}
		if eerr := json.NewEncoder(stdout).Encode(sum); err == nil {
			err = eerr
		}
	} else {
		sc.report(stdout, b, cam, elapsed)
	}
	return err
}

// reopen reads the bundle file again for a reload and prepares its
// classifier, refusing what the running program cannot switch to.
func reopen(cfg *config, running *bundle.Bundle, svc *services) (*bundle.Classifier, error) {
	if svc.teacher != nil {
		return nil, errors.New("teaching is on and the teach log belongs to the running bundle: stop the program, move the log aside, then start it on the new bundle")
	}
	nb, err := bundle.ReadFile(cfg.Bundle)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(nb.Meta.Classes, running.Meta.Classes) {
		return nil, fmt.Errorf("the new bundle's classes %v are not the running one's %v: restart the program to switch", nb.Meta.Classes, running.Meta.Classes)
	}
	if err := cfg.preprocess(nb); err != nil {
		return nil, err
	}
	cl, err := bundle.NewClassifier(nb)
	if err != nil {
		return nil, err
	}
	if err := cl.SetThreads(cfg.Threads); err != nil {
		return nil, err
	}
	return cl, nil
}
