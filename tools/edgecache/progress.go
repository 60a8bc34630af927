package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a bar on a terminal for long work and stays silent when
// stderr is a file or pipe (logs and CI stay readable).
type progress struct {
	bar   *progressbar.ProgressBar
	start time.Time
}

func newProgress(total int, what string) *progress {
	p := &progress{start: time.Now()}
	if term.IsTerminal(int(os.Stderr.Fd())) && total > 0 {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("img"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) add(n int) {
	if p.bar != nil {
		p.bar.Add(n)
	}
}

// done closes the bar and returns the elapsed time.
func (p *progress) done() time.Duration {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprint(os.Stderr, "")
	}
	return time.Since(p.start)
}
