package cputime

import (
	"runtime"
	"testing"
	"time"
)

// A busy loop of 50 ms wall time must show as CPU time on both clocks
// (where they are measured), and neither may run ahead of the wall clock by
// more than the process's other threads could add.
func TestBusyLoopCounts(t *testing.T) {
	if _, ok := usage(false); !ok {
		t.Skip("no getrusage here")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s0, t0, w0 := Self(), Thread(), time.Now()
	x := 1.0
	for time.Since(w0) < 50*time.Millisecond {
		for i := 0; i < 1000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
	wall := time.Since(w0)
	self, thread := Self()-s0, Thread()-t0
	if x == 0 || thread <= 0 || self+time.Millisecond < thread { // two clocks, read one after the other
		t.Fatalf("busy %v wall: thread %v, process %v CPU", wall, thread, self)
	}
	if thread > wall+10*time.Millisecond {
		t.Fatalf("thread CPU %v exceeds its %v wall time", thread, wall)
	}
}
