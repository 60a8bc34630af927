// Package cputime measures the CPU time a process or thread has received:
// the machines the benchmarks run on are shared, so besides wall-clock rates
// they report rates per CPU-second actually received, which other tenants'
// load disturbs less. The one such helper of every package's benchmarks and
// the host tool's bench command; the board program does not link it. It
// lives under model, the root of the project's imports, so that every
// package may use it.
package cputime

import "time"

// Self is the user+system CPU time of the whole process so far, all threads
// (getrusage(2) RUSAGE_SELF); 0 where it cannot be measured.
func Self() time.Duration {
	ns, _ := usage(false)
	return time.Duration(ns)
}

// Thread is the CPU time of the calling OS thread, in nanoseconds (Linux
// only; the caller locks its goroutine to the thread); 0 elsewhere.
func Thread() time.Duration {
	ns, _ := usage(true)
	return time.Duration(ns)
}
