package cputime

import (
	"syscall"
	"unsafe"
)

// usage reads the process's CPU time from getrusage(2) (RUSAGE_SELF = 0),
// and the calling thread's from clock_gettime(2) with
// CLOCK_THREAD_CPUTIME_ID (= 3, linux/time.h): nanoseconds, where
// getrusage's RUSAGE_THREAD gives microseconds, too coarse for one
// kernel's benchmark.
func usage(thread bool) (int64, bool) {
	if thread {
		var ts syscall.Timespec
		if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
			return 0, false
		}
		return ts.Nano(), true
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
