package cache

import (
	"syscall"
	"time"
)

// The machine the benchmarks run on is shared, so besides wall-clock rates
// they report rates per CPU-second actually received: getrusage(2) with
// RUSAGE_THREAD (1, Linux only; the caller locks its OS thread) or
// RUSAGE_SELF (the whole process, for multi-goroutine benchmarks).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const (
	rusageSelf   = 0
	rusageThread = 1
)
