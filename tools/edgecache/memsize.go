package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parseBytes reads a memory size: a whole number of bytes, optionally with a
// binary (KiB, MiB, GiB) or decimal (kB/KB, MB, GB) unit or B; the number may
// have a fraction when a unit follows ("1.5MiB").
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
	}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || strings.ContainsAny(t, "eExXpP_") || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("memory size %q: want a number with an optional unit (256KiB, 4MiB, 1GiB, 500kB, 1048576)", s)
	}
	b := v * mult
	if b < 1 || b > 1<<50 || b != math.Trunc(b) {
		return 0, fmt.Errorf("memory size %q: want a whole number of bytes from 1 B to 1 PiB", s)
	}
	return int64(b), nil
}

// formatBytes prints n in the largest binary unit that keeps it >= 1.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
