package main

import (
	"runtime"

	"github.com/edgecache/edgecache/tools/keys"
)

// engine is a network runner (tools/keys.Engine).
type engine = keys.Engine

// defaultThreads is the default worker count: every core.
func defaultThreads() int { return runtime.GOMAXPROCS(0) }

// indices returns 0..n-1, or its first limit entries.
func indices(n, limit int) []int {
	if limit > 0 && limit < n {
		n = limit
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func checkThreads(t int) error {
	if t < 1 {
		return usagef("-threads %d: need at least 1", t)
	}
	return nil
}
