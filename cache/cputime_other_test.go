//go:build !linux

package cache

import "time"

// Without RUSAGE_THREAD the CPU-time rates are not reported.
func cpuTime(who int) time.Duration { return 0 }

const (
	rusageSelf   = 0
	rusageThread = 1
)
