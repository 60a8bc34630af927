// Command firmware is the board program: it reads frames from a camera,
// classifies each with the int8 network and, when given one, the cache
// memory, and reports what it saw. Built for the boards with CGO_ENABLED=0
// (GOARCH=arm64, or GOARCH=arm with GOARM=6/7).
//
//	firmware -model net.eq8 [-cache keys.ec] -replay DIR [-loop] [-fps N] [-json]
//
// A replayed folder laid out as an ImageFolder tree (DIR/<class>/<file>) is
// also scored: the class folder names the true label.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/replay"
	"github.com/edgecache/edgecache/quant"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "firmware:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("firmware", flag.ContinueOnError)
	modelPath := fs.String("model", "", "int8 model file (from edgecache quantize)")
	cachePath := fs.String("cache", "", "cache memory file (from edgecache cache build); without it the network alone decides")
	replayDir := fs.String("replay", "", "play this folder of images back as the camera")
	loop := fs.Bool("loop", false, "replay: start again after the last file")
	fps := fs.Float64("fps", 0, "replay: pace frames at this rate (0: as fast as they classify)")
	limit := fs.Int("limit", 0, "stop after this many frames (0: no limit)")
	asJSON := fs.Bool("json", false, "print one JSON line per frame, then a JSON summary line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" || *replayDir == "" {
		fs.Usage()
		return errors.New("-model and -replay are required")
	}
	m, err := quant.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	var mem *cache.Cache
	if *cachePath != "" {
		if mem, err = cache.ReadFile(*cachePath); err != nil {
			return err
		}
	}
	cl, err := newClassifier(m, mem)
	if err != nil {
		return err
	}
	opts := replay.Opts{Loop: *loop}
	if *fps > 0 {
		opts.Interval = time.Duration(float64(time.Second) / *fps)
	}
	cam, err := replay.New(*replayDir, &opts)
	if err != nil {
		return err
	}
	defer cam.Close()
	sc := newScore(*replayDir, m.Labels)
	enc := json.NewEncoder(stdout)
	start := time.Now()
	for n := 0; *limit == 0 || n < *limit; n++ {
		f, err := cam.Next(ctx)
		if errors.Is(err, device.ErrEnd) || errors.Is(err, context.Canceled) {
			break
		}
		if err != nil {
			// A bad frame is reported and skipped: a camera glitch must not
			// stop the board.
			fmt.Fprintln(os.Stderr, "firmware:", err)
			continue
		}
		t := time.Now()
		r, err := cl.classify(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "firmware: frame %d (%s): %v\n", f.Seq, f.Name, err)
			continue
		}
		r.Micros = time.Since(t).Microseconds()
		sc.add(f.Name, r)
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		return enc.Encode(sc.summary(time.Since(start)))
	}
	sc.report(stdout, cl, cam, time.Since(start))
	return nil
}
