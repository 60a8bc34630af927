package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
	"github.com/edgecache/edgecache/cache/bundle"
)

// config is everything the board program can be told, from a JSON file
// (-config, keys as below) and from flags, which win over the file.
type config struct {
	Bundle string `json:"bundle"`
	Camera string `json:"camera"`
	Config string `json:"-"`

	// Replay settings (camera replay: or arducam-sim:).
	Loop bool    `json:"loop"`
	FPS  float64 `json:"fps"`

	// ROI overrides the bundle's region of interest (device/frame syntax:
	// center, full, X,Y,W,H) for a camera mounted off-centre.
	ROI string `json:"roi"`
	// FullDecode decodes JPEG frames at full size even where the bundle
	// lets them be decoded at reduced scale (the slower, reference path).
	FullDecode bool `json:"full_decode"`

	Limit    int  `json:"limit"`
	JSON     bool `json:"json"`
	SelfTest bool `json:"-"`
	Threads  int  `json:"threads"`

	// The indicator: LED is a GPIO pin name ("GPIO17"), driven high while
	// LEDClass is the top class with at least LEDMin probability.
	LED      string  `json:"led"`
	LEDClass string  `json:"led_class"`
	LEDMin   float64 `json:"led_min"`

	// The status page (off when Status is empty) and teaching. Teaching is
	// on when a token is given (for the page) or a button is configured.
	Status      string `json:"status"`
	TokenFile   string `json:"token_file"`
	TeachLog    string `json:"teach_log"`
	TeachBudget int    `json:"teach_budget"`
	// TeachGroup and TeachPrior are cache.LearnOpts: how taught examples
	// become cache items; 0 takes the bundle's (bundle.Meta.Teach).
	TeachGroup  int     `json:"teach_group"`
	TeachPrior  float64 `json:"teach_prior"`
	Button      string  `json:"button"`
	ButtonLabel string  `json:"button_label"`

	// Camera faults: a capture is given CaptureTimeout; after a failure the
	// loop waits Backoff, doubling up to MaxBackoff, and gives up after
	// Retries failures in a row (a service manager restarts the program).
	CaptureTimeout duration `json:"capture_timeout"`
	Backoff        duration `json:"backoff"`
	MaxBackoff     duration `json:"max_backoff"`
	Retries        int      `json:"retries"`

	// reload, when set, swaps the bundle on SIGHUP (set by run).
	reload *reloader
	// sleep waits out a backoff (until ctx is done); nil is the real clock.
	// Tests count the waits through it instead of timing the loop.
	sleep func(ctx context.Context, d time.Duration)
}

// defaults is the configuration with nothing set.
func defaults() config {
	return config{
		Camera:         "",
		Threads:        1,
		LEDMin:         0.5,
		CaptureTimeout: duration(10 * time.Second),
		Backoff:        duration(100 * time.Millisecond),
		MaxBackoff:     duration(5 * time.Second),
		Retries:        10,
	}
}

// duration is a time.Duration that reads and writes as "1.5s" in JSON.
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"2s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = duration(v)
	return nil
}

func (d *duration) String() string { return time.Duration(*d).String() }
func (d *duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = duration(v)
	return nil
}

// flags binds every setting to a flag whose default is the setting's value
// in c, so a second parse over a loaded file lets the command line win.
func flags(c *config, usage io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("firmware", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.Bundle, "bundle", c.Bundle, "the deployable bundle (from edgecache bundle)")
	fs.StringVar(&c.Camera, "camera", c.Camera, "camera: replay:DIR, arducam:spi=SPI0.0,i2c=1[,size=320x240][,format=jpeg|rgb565],\n"+
		"rpicam[:size=640x480,fps=10], uvc:/dev/video0[,size=640x480][,format=mjpeg|yuyv], mjpeg:FILE|-, arducam-sim:DIR")
	fs.Func("replay", "shorthand for -camera replay:DIR", func(dir string) error { c.Camera = "replay:" + dir; return nil })
	fs.StringVar(&c.Config, "config", c.Config, "JSON configuration file (keys as the flags, e.g. {\"bundle\": \"board.bundle\", \"led\": \"GPIO17\"}); flags win")
	fs.BoolVar(&c.Loop, "loop", c.Loop, "replay: start again after the last file")
	fs.Float64Var(&c.FPS, "fps", c.FPS, "replay: pace frames at this rate (0: as fast as they classify)")
	fs.BoolVar(&c.FullDecode, "full-decode", c.FullDecode, "decode JPEG frames at full size (image/jpeg) even where the bundle allows the faster reduced scale")
	fs.StringVar(&c.ROI, "roi", c.ROI, "region of each frame the network sees, overriding the bundle's: center, full, or X,Y,W,H (fractions with a decimal point, or pixels)")
	fs.IntVar(&c.Limit, "limit", c.Limit, "stop after this many frames (0: no limit)")
	fs.BoolVar(&c.JSON, "json", c.JSON, "print one JSON line per frame, then a JSON summary line")
	fs.BoolVar(&c.SelfTest, "selftest", false, "check the bundle and the camera (one frame captured and classified), then exit: 0 if all is well")
	fs.IntVar(&c.Threads, "threads", c.Threads, "goroutines for one frame's network")
	fs.StringVar(&c.LED, "led", c.LED, "GPIO pin to drive high while -led-class is seen (e.g. GPIO17)")
	fs.StringVar(&c.LEDClass, "led-class", c.LEDClass, "class that lights the LED")
	fs.Float64Var(&c.LEDMin, "led-min", c.LEDMin, "least probability of -led-class that lights the LED")
	fs.StringVar(&c.Status, "status", c.Status, "serve the status page on this address (e.g. 127.0.0.1:8080; a bare :8080 binds loopback too); off when empty")
	fs.StringVar(&c.TokenFile, "token-file", c.TokenFile, "file holding the secret the status page's teach requests must carry (or set EDGECACHE_TOKEN); teaching from the page is off without one")
	fs.StringVar(&c.TeachLog, "teach-log", c.TeachLog, "the teach log, where taught examples survive restarts (default: the bundle's path + .teach)")
	fs.IntVar(&c.TeachBudget, "teach-budget", c.TeachBudget, "bytes the cache may take as it learns (0: what the bundle's cache takes; items are given up to stay within it)")
	fs.IntVar(&c.TeachGroup, "teach-group", c.TeachGroup, "examples of a class one taught cache item summarises (their mean key; 1: an item per example; 0: the bundle's setting)")
	fs.Float64Var(&c.TeachPrior, "teach-prior", c.TeachPrior, "weight of a class the bundle lacks, as a share of a bundle class's (up to 1: equal footing; 0: the bundle's setting)")
	fs.StringVar(&c.Button, "button", c.Button, "GPIO pin of a push button (to ground) that teaches the current frame as -button-label")
	fs.StringVar(&c.ButtonLabel, "button-label", c.ButtonLabel, "class a button press teaches (a new name adds a class)")
	fs.Var(&c.CaptureTimeout, "capture-timeout", "longest wait for one frame before it counts as a camera fault")
	fs.Var(&c.Backoff, "backoff", "first wait after a camera fault (doubles up to -max-backoff)")
	fs.Var(&c.MaxBackoff, "max-backoff", "longest wait between retries")
	fs.IntVar(&c.Retries, "retries", c.Retries, "retries after camera faults in a row, each after a backoff; one more fault and the program gives up (exit 1)")
	return fs
}

// parseConfig reads flags, then the -config file if one is named, then the
// flags again over it.
func parseConfig(args []string, usage io.Writer) (config, error) {
	c := defaults()
	if err := flags(&c, usage).Parse(args); err != nil {
		return c, err
	}
	if c.Config != "" {
		path := c.Config
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		c = defaults()
		if err := c.decode(data); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		if err := flags(&c, usage).Parse(args); err != nil {
			return c, err
		}
	}
	return c, c.validate()
}

// decode sets c from a configuration file's JSON object: every key must be
// a setting, and an error names the key (or the line and column of a syntax
// error) that is wrong.
func (c *config) decode(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty file: want a JSON object such as {\"bundle\": \"board.bundle\"}")
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&obj); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(data, syn.Offset)
			return fmt.Errorf("line %d, column %d: %w", line, col, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("the JSON object is cut short")
		}
		return fmt.Errorf("want one JSON object of settings: %w", err)
	}
	if obj == nil {
		return errors.New("want one JSON object of settings, not null")
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return fmt.Errorf("line %d, column %d: text after the JSON object", line, col)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			return err
		}
		d := json.NewDecoder(bytes.NewReader(one))
		d.DisallowUnknownFields()
		if err := d.Decode(c); err != nil {
			if strings.HasPrefix(err.Error(), "json: unknown field") {
				return fmt.Errorf("unknown setting %q (the keys are the flags' names with _ for -: see firmware -h)", k)
			}
			return fmt.Errorf("setting %q: %w", k, err)
		}
	}
	return nil
}

// lineCol is the 1-based line and column of the byte before offset off in
// data: encoding/json reports an offset just past the byte it stopped at.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

func (c *config) validate() error {
	switch {
	case c.Bundle == "":
		return errors.New("no bundle: give -bundle FILE (made by edgecache bundle)")
	case c.Limit < 0:
		return fmt.Errorf("limit %d", c.Limit)
	case c.FPS < 0:
		return fmt.Errorf("fps %v", c.FPS)
	case c.Threads < 1:
		return fmt.Errorf("threads %d (at least 1)", c.Threads)
	case c.Retries < 0:
		return fmt.Errorf("retries %d", c.Retries)
	case c.CaptureTimeout <= 0 || c.Backoff <= 0 || c.MaxBackoff < c.Backoff:
		return fmt.Errorf("capture timeout %v, backoff %v, max backoff %v: want positive, backoff <= max",
			c.CaptureTimeout.String(), c.Backoff.String(), c.MaxBackoff.String())
	case c.LED != "" && c.LEDClass == "":
		return errors.New("-led needs -led-class: which class lights it")
	case c.Button != "" && c.ButtonLabel == "":
		return errors.New("-button needs -button-label: which class a press teaches")
	case c.TeachBudget < 0:
		return fmt.Errorf("teach budget %d bytes", c.TeachBudget)
	case c.TeachGroup < 0 || c.TeachGroup > cache.MaxWeight || !(c.TeachPrior >= 0 && c.TeachPrior <= 1):
		return fmt.Errorf("teach group %d, prior %v: want a group of 1 to %d examples and a prior above 0, at most 1 (0: the bundle's)", c.TeachGroup, c.TeachPrior, cache.MaxWeight)
	case !(c.LEDMin >= 0 && c.LEDMin <= 1):
		return fmt.Errorf("led-min %v outside 0..1", c.LEDMin)
	}
	return nil
}

// preprocess puts the config's preprocessing over the bundle's (a region of
// interest for a camera mounted off-centre, the full JPEG decode), for the
// bundle the program starts on and every bundle it reloads alike.
func (c *config) preprocess(b *bundle.Bundle) error {
	if c.ROI != "" {
		b.Meta.Preprocess.ROI = c.ROI
		if err := b.Meta.Preprocess.Validate(); err != nil {
			return fmt.Errorf("-roi: %w", err)
		}
	}
	b.Meta.Preprocess.FullDecode = b.Meta.Preprocess.FullDecode || c.FullDecode
	return nil
}

// learnOpts is the bundle's teach settings with the ones the config sets.
func (c *config) learnOpts(b *bundle.Bundle) cache.LearnOpts {
	return b.Meta.LearnOpts().With(cache.LearnOpts{Group: c.TeachGroup, Prior: c.TeachPrior})
}
