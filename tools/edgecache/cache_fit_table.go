package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/edgecache/edgecache/cache"
)

// readRef reads the full cache's test errors from `cache table`'s JSON.
func readRef(path string, names []string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t tableResult
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]float64, len(names))
	for i, n := range names {
		out[i] = -1
		for _, r := range t.Rows {
			if r.Data == n {
				out[i] = r.Cache
			}
		}
	}
	return out, nil
}

// fitMarkdown is the Pareto table: for each budget the chosen variant, its
// bytes, and validation and test errors.
func fitMarkdown(modelPath string, k *keyNet, budgets []int64, best map[int64]fitVariant, tests []string, base, ref []float64, full *cache.Cache, target int64, el time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Fitting a board's memory: %s (%v)\n\n", modelPath, k)
	fmt.Fprintf(&b, "From the full cache (%s, %d items, %s on the board). Network alone, test error:", full.Spec(), full.Len(), formatBytes(int64(full.Bytes())))
	for i, t := range tests {
		fmt.Fprintf(&b, " %s %s%%", t, pct(base[i]))
		if ref != nil && ref[i] >= 0 {
			fmt.Fprintf(&b, " (full cache %s%%)", pct(ref[i]))
		}
		b.WriteString(";")
	}
	b.WriteString("\n\n| budget | chosen keys | entries | items | bytes | theta | lambda | val error |")
	for _, t := range tests {
		fmt.Fprintf(&b, " test error %s |", t)
	}
	if ref != nil {
		b.WriteString(" share of the full cache's gain |")
	}
	b.WriteString("\n| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for range tests {
		b.WriteString(" ---: |")
	}
	if ref != nil {
		b.WriteString(" ---: |")
	}
	b.WriteString("\n")
	for _, bud := range budgets {
		v, ok := best[bud]
		mark := ""
		if bud == target {
			mark = " (-budget)"
		}
		if !ok {
			fmt.Fprintf(&b, "| %s%s | nothing fits |\n", formatBytes(bud), mark)
			continue
		}
		fmt.Fprintf(&b, "| %s%s | %s (%d) | %s | %d | %d | %.4g | %.4g | %s |", formatBytes(bud), mark, v.Form, v.Dim, v.Entries, v.Items, v.Bytes, v.Theta, v.Lambda, pct(v.ValErr))
		for i := range tests {
			fmt.Fprintf(&b, " %s |", pct(v.TestErr[i]))
		}
		if ref != nil {
			if ref[0] >= 0 && base[0] > ref[0] {
				fmt.Fprintf(&b, " %.0f%% |", 100*(base[0]-v.TestErr[0])/(base[0]-ref[0]))
			} else {
				b.WriteString(" - |")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n(%.0f s)\n", el.Seconds())
	return b.String()
}
