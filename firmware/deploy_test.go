package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
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

// unitKeys reads deploy/edgecache.service's key=value lines.
func unitKeys(t *testing.T) map[string]string {
	t.Helper()
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// The unit runs the program as an unprivileged user in the device groups,
// checks the board first, reloads on SIGHUP, stops on SIGTERM and restarts
// it on failure.
func TestDeployUnit(t *testing.T) {
	keys := unitKeys(t)
	for k, want := range map[string]string{
		"User":                "edgecache",
		"SupplementaryGroups": "spi i2c gpio video",
		"ExecStartPre":        "/usr/local/bin/edgecache-firmware -config /etc/edgecache/firmware.json -selftest",
		"ExecStart":           "/usr/local/bin/edgecache-firmware -config /etc/edgecache/firmware.json",
		"ExecReload":          "/bin/kill -HUP $MAINPID",
		"Restart":             "on-failure",
		"KillSignal":          "SIGTERM",
		"WantedBy":            "multi-user.target",
	} {
		if keys[k] != want {
			t.Errorf("%s=%q, want %q", k, keys[k], want)
		}
	}
}

// The pieces of a deployment agree: the unit may write where the config puts
// the bundle (the teach log goes beside it), and the README's install steps
// put the binary, the config and the bundle where the unit and the config
// look for them, and turn on the buses the ArduCAM needs.
func TestDeployPaths(t *testing.T) {
	keys := unitKeys(t)
	cfg, err := parseConfig([]string{"-config", "deploy/firmware.json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if dir := filepath.Dir(cfg.Bundle); !strings.Contains(" "+keys["ReadWritePaths"]+" ", " "+dir+" ") {
		t.Errorf("the bundle's folder %s (the teach log's) is not in ReadWritePaths=%s", dir, keys["ReadWritePaths"])
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	exe, _, _ := strings.Cut(keys["ExecStart"], " ")
	for _, want := range []string{
		"install -m 755 /tmp/edgecache-firmware " + exe,
		" " + cfg.Bundle + "\n",
		"/etc/edgecache/firmware.json",
		"edgecache.service /etc/systemd/system/edgecache.service",
		"systemctl enable --now edgecache",
		"--groups spi,i2c,gpio,video edgecache",
		"dtparam=spi=on",
		"dtparam=i2c_arm=on",
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README's install section lacks %q", want)
		}
	}
	boot, err := os.ReadFile("deploy/config.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(boot), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{"dtparam=spi=on", "dtparam=i2c_arm=on"} {
		if !lines[want] {
			t.Errorf("deploy/config.txt lacks the line %q", want)
		}
	}
}
