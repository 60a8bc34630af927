package bundle

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestSummaryKeys pins the summary line's keys: board programs and host
// tools of different versions read each other's lines, so a renamed field
// must be a decision, not an accident.
func TestSummaryKeys(t *testing.T) {
	net, final := 0.82, 0.85
	line, err := json.Marshal(Summary{Summary: true, Frames: 3, Labelled: 2, Top1Net: &net, Top1Cache: &final, CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(slices.Sorted(maps.Keys(m)), " ")
	const want = "bundle_bytes cache_bytes frames labelled ms_cache ms_network ms_per_frame ms_preprocess seconds summary top1_cache top1_net"
	if got != want {
		t.Errorf("keys %s\nwant %s", got, want)
	}
	var back Summary
	if err := json.Unmarshal(line, &back); err != nil || *back.Top1Cache != final || back.Frames != 3 {
		t.Errorf("read back %+v, %v", back, err)
	}
}
