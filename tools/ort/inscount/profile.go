package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// profile counts one of our engines with the plugin's profile mode and
// prints the functions that execute the most instructions between the
// marks, by looking each translated block's address up in the child's
// symbol table (a static Go binary: addresses are fixed).
func profile(engine, qemu, plugin, cpu, child string, args []string, reps, top int, out io.Writer) error {
	logFile := filepath.Join(filepath.Dir(plugin), "profile.log")
	qargs := append([]string{"-cpu", cpu, "-plugin", plugin + ",profile=on", "-d", "plugin", "-D", logFile}, args...)
	cmd := exec.Command(qemu, qargs...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 5))
	}
	syms, err := symbols(child)
	if err != nil {
		return err
	}
	f, err := os.Open(logFile)
	if err != nil {
		return err
	}
	defer f.Close()
	per := map[string]uint64{}
	var total uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "inscount-tb ")
		if !ok {
			continue
		}
		var addr, n, execs uint64
		if _, err := fmt.Sscanf(v, "%x %d %d", &addr, &n, &execs); err != nil {
			return fmt.Errorf("plugin log: %q: %v", sc.Text(), err)
		}
		per[syms.lookup(addr)] += n * execs
		total += n * execs
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if total == 0 {
		return fmt.Errorf("plugin log %s has no profile", logFile)
	}
	names := make([]string, 0, len(per))
	for k := range per {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return per[names[i]] > per[names[j]] })
	fmt.Fprintf(out, "%s on %s: %.2f M instructions per inference\n", engine, cpu, float64(total)/float64(reps)/1e6)
	for _, k := range names[:min(top, len(names))] {
		fmt.Fprintf(out, "%10.3f M %5.1f%%  %s\n", float64(per[k])/float64(reps)/1e6, 100*float64(per[k])/float64(total), k)
	}
	return nil
}

type symtab struct {
	addr  []uint64
	names []string
}

func symbols(path string) (*symtab, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ss, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Value < ss[j].Value })
	t := &symtab{}
	for _, s := range ss {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			t.addr = append(t.addr, s.Value)
			t.names = append(t.names, s.Name)
		}
	}
	return t, nil
}

func (t *symtab) lookup(a uint64) string {
	i := sort.Search(len(t.addr), func(i int) bool { return t.addr[i] > a }) - 1
	if i < 0 {
		return "0x" + strconv.FormatUint(a, 16)
	}
	return t.names[i]
}
