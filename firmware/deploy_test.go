package main

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"
)

// The shipped configuration must be one the program accepts: a key renamed
// in the code and not in deploy/firmware.json fails here, not on a board.
func TestDeployConfig(t *testing.T) {
	cfg, err := parseConfig([]string{"-config", "deploy/firmware.json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := parseCamera(cfg.Camera)
	if err != nil {
		t.Fatal(err)
	}
	if cs.kind != "arducam" || cs.take("spi", "") != "SPI0.0" || cs.take("i2c", "") != "1" || cfg.LED == "" {
		t.Errorf("config %+v, camera %+v", cfg, cs)
	}
}

// The unit runs the program as an unprivileged user in the device groups,
// checks the board first, and restarts it on failure.
func TestDeployUnit(t *testing.T) {
	f, err := os.Open("deploy/edgecache.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("not key=value: %q", line)
		}
		keys[k] = v
	}
	for k, want := range map[string]string{
		"User":                "edgecache",
		"SupplementaryGroups": "spi i2c gpio video",
		"ExecStartPre":        "/usr/local/bin/edgecache-firmware -config /etc/edgecache/firmware.json -selftest",
		"ExecStart":           "/usr/local/bin/edgecache-firmware -config /etc/edgecache/firmware.json",
		"Restart":             "on-failure",
		"KillSignal":          "SIGTERM",
		"WantedBy":            "multi-user.target",
	} {
		if keys[k] != want {
			t.Errorf("%s=%q, want %q", k, keys[k], want)
		}
	}
}
