package kernel

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPU is the calling thread's CPU time (clock_gettime
// CLOCK_THREAD_CPUTIME_ID = 3, linux/time.h). The benchmarks divide work by
// it, not by wall time, because the machine they run on is shared: time the
// thread spends descheduled is not the kernel's.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
