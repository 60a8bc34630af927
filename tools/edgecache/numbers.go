package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Numbers in flags and reports: lists of counts, percentages (byte sizes are
// in memsize.go).

// parseInts reads a comma-separated list of positive whole numbers (empty
// entries skipped).
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, usagef("%q is not a positive whole number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// pct prints a fraction as a percentage with two decimals.
func pct(v float64) string { return fmt.Sprintf("%.2f", 100*v) }
