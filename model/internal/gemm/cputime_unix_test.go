//go:build unix

package gemm

import (
	"syscall"
	"time"
)

// cpuTime is the user+system CPU time of the process (getrusage(2)): on a
// machine shared with other work it counts only the time we ran.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
