package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A profile is a run's executed instructions by function and by mnemonic.
type profile struct {
	funcs, mnemonics map[string]int64
	kernel           string // what the child reported, for the printout
}

// parseLog reads qemu's log. "IN: symbol" starts a translated block, whose
// instruction lines follow ("0x0009384c:  e59d0000  ldr r0, [sp]") up to
// a blank line; the block is keyed by its first address. A line
// "Trace 0: host [xxxxxxxx/guest-pc/...] symbol" is one execution of the
// latest block translated at guest-pc. qemu may translate a pc again (after
// its code cache is flushed), hence "latest".
func parseLog(r io.Reader) (*profile, error) {
	type block struct {
		fn   int
		mnem []int
	}
	var (
		blocks []block
		execs  []int64
		latest = map[uint64]int{}
		names  []string
		ids    = map[string]int{}
		cur    *block
		curPC  uint64
	)
	intern := func(s string) int {
		id, ok := ids[s]
		if !ok {
			id = len(names)
			ids[s] = id
			names = append(names, s)
		}
		return id
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "IN:"):
			name := strings.TrimSpace(line[3:])
			if name == "" {
				name = "?"
			}
			cur = &block{fn: intern(name)}
			curPC = 0
		case cur != nil && strings.HasPrefix(line, "0x"):
			f := strings.Fields(line)
			if len(f) < 3 {
				return nil, fmt.Errorf("qemu log: instruction line %q has no mnemonic", line)
			}
			if len(cur.mnem) == 0 {
				pc, err := strconv.ParseUint(strings.TrimSuffix(f[0], ":")[2:], 16, 64)
				if err != nil {
					return nil, fmt.Errorf("qemu log: %q: %v", line, err)
				}
				curPC = pc
			}
			cur.mnem = append(cur.mnem, intern(insnKey(f[2], strings.Join(f[3:], " "))))
		case cur != nil && line == "":
			if len(cur.mnem) > 0 {
				latest[curPC] = len(blocks)
				blocks = append(blocks, *cur)
				execs = append(execs, 0)
			}
			cur = nil
		case strings.HasPrefix(line, "Trace "):
			i := strings.IndexByte(line, '[')
			j := strings.IndexByte(line, ']')
			if i < 0 || j < i {
				return nil, fmt.Errorf("qemu log: trace line %q has no [...]", line)
			}
			f := strings.Split(line[i+1:j], "/")
			if len(f) < 2 {
				return nil, fmt.Errorf("qemu log: trace line %q has no guest pc", line)
			}
			pc, err := strconv.ParseUint(f[1], 16, 64)
			if err != nil {
				return nil, fmt.Errorf("qemu log: %q: %v", line, err)
			}
			if id, ok := latest[pc]; ok {
				execs[id]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("qemu log: %w", err)
	}
	p := &profile{funcs: map[string]int64{}, mnemonics: map[string]int64{}}
	for id, n := range execs {
		if n == 0 {
			continue
		}
		b := blocks[id]
		p.funcs[names[b.fn]] += n * int64(len(b.mnem))
		for _, m := range b.mnem {
			p.mnemonics[names[m]] += n
		}
	}
	if len(p.funcs) == 0 {
		return nil, fmt.Errorf("qemu log: no executed blocks (was it run with -d in_asm,exec,nochain?)")
	}
	return p, nil
}

// insnKey is the mnemonic, and for NEON loads and stores how many D
// registers they move ("vld1.8/4d"), which the issue model charges.
func insnKey(mnemonic, ops string) string {
	if !strings.HasPrefix(mnemonic, "vld") && !strings.HasPrefix(mnemonic, "vst") {
		return mnemonic
	}
	i, j := strings.IndexByte(ops, '{'), strings.IndexByte(ops, '}')
	if i < 0 || j < i {
		return mnemonic // VLDR/VSTR-like forms without a list
	}
	n := 0
	for _, r := range strings.Split(ops[i+1:j], ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(r), "-")
		a, errA := strconv.Atoi(strings.TrimPrefix(strings.SplitN(lo, "[", 2)[0], "d"))
		b, errB := strconv.Atoi(strings.TrimPrefix(strings.SplitN(hi, "[", 2)[0], "d"))
		switch {
		case isRange && errA == nil && errB == nil && b >= a:
			n += b - a + 1
		default:
			n++
		}
	}
	return mnemonic + "/" + strconv.Itoa(n) + "d"
}
