package cputime

import "syscall"

// getrusage(2): RUSAGE_SELF is 0, RUSAGE_THREAD 1 (Linux only).
func usage(thread bool) (int64, bool) {
	who := 0
	if thread {
		who = 1
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
