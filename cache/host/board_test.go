package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// hostOnly are the packages the board program must not link: this package
// and the PCA (tuning, similarity GEMM, k-means, fitting), the host tools,
// the model importers (the board reads a bundle), and the modules only they
// need: gonum's linear algebra and plots, the progress bar.
var hostOnly = []string{
	"github.com/edgecache/edgecache/cache/host",
	"github.com/edgecache/edgecache/cache/pca",
	"github.com/edgecache/edgecache/tools/",
	"github.com/edgecache/edgecache/model/torchfile",
	"github.com/edgecache/edgecache/model/onnx",
	"github.com/edgecache/edgecache/model/keras",
	"github.com/edgecache/edgecache/model/hdf5",
	"github.com/edgecache/edgecache/model/grad",
	"gonum.org/",
	"github.com/schollz/progressbar",
	"github.com/nlpodyssey/gopickle",
	"google.golang.org/protobuf",
}

// The board program, as built for every Pi (make cross), links none of the
// host side: `go list -deps ./firmware` for linux/arm64, armv6 and armv7,
// and for the host it is tested on.
func TestBoardLinksNoHostCode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: make test-unit runs it")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no go command to list the board program's packages: %v", err)
			}
			t.Skipf("no go command to list the board program's packages: %v", err)
		}
	}
	for _, target := range [][]string{
		{"GOARCH=arm64"},
		{"GOARCH=arm", "GOARM=6"},
		{"GOARCH=arm", "GOARM=7"},
		{"GOARCH=" + runtime.GOARCH},
	} {
		cmd := exec.Command(gobin, "list", "-deps", "github.com/edgecache/edgecache/firmware")
		cmd.Env = append(append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0"), target...)
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("%v go list -deps ./firmware: %v\n%s", target, err, stderr)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 || !slices.Contains(deps, "github.com/edgecache/edgecache/cache") {
			t.Fatalf("%v: %d packages, without the cache: not the board program's list", target, len(deps))
		}
		for _, p := range deps {
			for _, h := range hostOnly {
				if p == strings.TrimSuffix(h, "/") || strings.HasPrefix(p, h) || strings.HasPrefix(p, h+"/") {
					t.Errorf("%v: the board program links %s (host-only)", target, p)
				}
			}
		}
	}
}
