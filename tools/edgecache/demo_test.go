package main

import (
	"strings"
	"testing"
)

// TestReadBoardRun: the demo takes its table from the board program's own
// summary line and counts the frame lines before it; output without a
// usable summary is an error naming what is missing.
func TestReadBoardRun(t *testing.T) {
	frame := `{"time":"2026-12-05T02:10:11.5Z","seq":1,"top":[{"class":3,"label":"cat","prob":0.71}],"net_class":5}` + "\n"
	summary := `{"summary":true,"frames":3,"labelled":3,"top1_net":0.6667,"top1_cache":1,"ms_preprocess":0.1,` +
		`"ms_network":0.4,"ms_cache":0.1,"ms_per_frame":0.6,"seconds":0.01,"bundle_bytes":4672911,"cache_bytes":4194050}` + "\n"
	n := 0
	sum, err := readBoardRun(strings.NewReader(strings.Repeat(frame, 3)+summary), func() { n++ })
	if err != nil || n != 3 {
		t.Fatalf("%d frames, %v", n, err)
	}
	if sum.Frames != 3 || *sum.Top1Net != 0.6667 || *sum.Top1Cache != 1 || sum.BundleBytes != 4672911 || sum.CacheBytes != 4194050 || sum.MsPerFrame != 0.6 {
		t.Errorf("summary %+v", sum)
	}
	for _, tc := range []struct{ name, out, want string }{
		{"no summary", strings.Repeat(frame, 2), "scored no labelled frames"},
		{"unlabelled frames", frame + `{"summary":true,"frames":1,"labelled":0}` + "\n", "scored no labelled frames"},
		{"bad summary", frame + `{"summary":true,"frames":"three"}` + "\n", "reading the board program's summary"},
		{"line too long", strings.Repeat("x", 1<<17) + "\n" + summary, "reading the board program's output"},
	} {
		if _, err := readBoardRun(strings.NewReader(tc.out), func() {}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
