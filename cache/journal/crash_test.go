package journal

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv, when set to a log path, makes the test binary the crash
// test's child (see TestMain) instead of running tests.
const crashChildEnv = "EDGECACHE_JOURNAL_CRASH_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild is a teaching process: it replays the log, checks that it holds
// exactly test records 0..n-1, then appends records n, n+1, ... with the
// default sync policy, printing "commit i" once Append(i) has returned, and
// compacting now and then, until it is killed.
func crashChild(path string) int {
	l, rp, err := Open(path, testHeader(), nil)
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	for i, r := range rp.Records {
		if err := sameRecord(r, testRecord(i)); err != nil {
			fmt.Println("error replayed record", i, err)
			return 2
		}
	}
	fmt.Println("start", len(rp.Records))
	for i := len(rp.Records); i < 1_000_000; i++ {
		if i%25 == 24 {
			if err := l.Compact(testRecords(i)); err != nil {
				fmt.Println("error", err)
				return 2
			}
		}
		if err := l.Append(testRecord(i)); err != nil {
			fmt.Println("error", err)
			return 2
		}
		fmt.Println("commit", i)
	}
	return 0
}

// TestKill9 kills a real teaching process with SIGKILL at seeded random
// points, 20 times over the same log, and checks after each kill that every
// record the process reported as committed is in the file, in order and
// intact, and that nothing else is there but (at most) the one record it was
// appending and had not yet reported.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "taught.log")
	rng := rand.New(rand.NewPCG(14, 3))
	committed := -1 // highest record index reported committed so far
	torn := 0
	for round := 0; round < 20; round++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); errors.Is(err, syscall.ENOEXEC) {
			// Under qemu-user without binfmt the test binary cannot start
			// a copy of itself; the test runs natively.
			t.Skipf("cannot re-execute the test binary here: %v", err)
		} else if err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of new commits, plus a random delay of
		// up to 300 µs so the signal lands anywhere in the loop.
		target := 1 + rng.IntN(40)
		delay := time.Duration(rng.IntN(300)) * time.Microsecond
		seen, killed := 0, false
		timeout := time.After(20 * time.Second)
		for line := range lines {
			f := strings.Fields(line)
			switch {
			case len(f) == 2 && f[0] == "start":
				n, _ := strconv.Atoi(f[1])
				if n < committed+1 || n > committed+2 {
					t.Fatalf("round %d: child replayed %d records, %d were committed", round, n, committed+1)
				}
			case len(f) == 2 && f[0] == "commit":
				i, _ := strconv.Atoi(f[1])
				if i != committed+1 && !(i == committed+2 && seen == 0) {
					t.Fatalf("round %d: commit %d after %d", round, i, committed)
				}
				committed = i
				seen++
			default:
				t.Fatalf("round %d: child says %q", round, line)
			}
			if seen == target && !killed {
				time.Sleep(delay)
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
			select {
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("round %d: child still running after 20 s", round)
			default:
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("round %d: child ended before it was killed", round)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := Read(f)
		f.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if rp.Dropped > 0 {
			torn++
		}
		// Every committed record is there; at most one more, the record
		// in flight, which is a whole, correct record or not there at all.
		if n := len(rp.Records); n < committed+1 || n > committed+2 {
			t.Fatalf("round %d: %d records in the log, %d committed", round, n, committed+1)
		}
		for i, r := range rp.Records {
			if err := sameRecord(r, testRecord(i)); err != nil {
				t.Fatalf("round %d: record %d: %v", round, i, err)
			}
		}
	}
	t.Logf("20 kills: %d records committed, %d kills left a torn tail", committed+1, torn)
}
