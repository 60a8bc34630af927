package journal

import (
	"fmt"
	"time"
)

// SyncPolicy says when appended records are forced to storage (fsync). A
// record Append has returned survives a crash of the program under every
// policy (the kernel holds it); what the policy buys is surviving a power
// cut or a kernel crash.
type SyncPolicy int

const (
	// SyncEach fsyncs every record before Append returns: a taught example
	// is a user's explicit act, and a few milliseconds per teach on an SD
	// card is a price worth paying for never losing one. The default.
	SyncEach SyncPolicy = iota
	// SyncBatch fsyncs once Opts.Every records are pending or Opts.Interval
	// has passed since the oldest pending one, whichever comes first: for
	// bursts of many examples, at the risk of the last Interval's worth.
	SyncBatch
	// SyncNever leaves writing back to the kernel (and Close, Sync).
	SyncNever
)

func (p SyncPolicy) String() string {
	switch p {
	case SyncEach:
		return "each"
	case SyncBatch:
		return "batch"
	case SyncNever:
		return "never"
	}
	return fmt.Sprintf("SyncPolicy(%d)", int(p))
}

// Opts are a log's settings; the zero value (and nil) is DefaultOpts.
type Opts struct {
	Sync SyncPolicy
	// Every and Interval bound the records and the time a SyncBatch log
	// holds unsynced; 0 takes DefaultEvery, DefaultInterval.
	Every    int
	Interval time.Duration
}

// Batch defaults.
const (
	DefaultEvery    = 16
	DefaultInterval = time.Second
)

// DefaultOpts syncs every record.
var DefaultOpts = Opts{Sync: SyncEach}

func (o *Opts) withDefaults() (Opts, error) {
	v := DefaultOpts
	if o != nil {
		v = *o
	}
	switch v.Sync {
	case SyncEach, SyncNever:
	case SyncBatch:
		if v.Every < 0 || v.Interval < 0 {
			return v, fmt.Errorf("journal: batch sync every %d records or %v (negative)", v.Every, v.Interval)
		}
		if v.Every == 0 {
			v.Every = DefaultEvery
		}
		if v.Interval == 0 {
			v.Interval = DefaultInterval
		}
	default:
		return v, fmt.Errorf("journal: unknown sync policy %d", int(v.Sync))
	}
	return v, nil
}
