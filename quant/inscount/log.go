package inscount

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Profile is what a qemu run executed: instructions by function (the
// symbol qemu names a translated block after) and by instruction key.
type Profile struct {
	Funcs, Keys map[string]int64
}

// ParseLog reads the log of qemu-user run with -d in_asm,exec,nochain.
// "IN: symbol" starts a translated block, whose instruction lines follow
// ("0x0009384c:  e59d0000  ldr r0, [sp]": address, encoding, mnemonic,
// operands) up to a blank line; the block is keyed by its first address. A
// line "Trace 0: host [xxxxxxxx/guest-pc/...] symbol" is one execution of the
// latest block translated at guest-pc (qemu may translate a pc again after
// its code cache is flushed, hence "latest"; nochain makes it log every
// execution). key names an instruction from its encoding, mnemonic and
// operands: the counters' histograms differ by ISA. Every instruction of
// every executed block is counted once per execution.
func ParseLog(r io.Reader, key func(word, mnemonic, ops string) string) (*Profile, error) {
	type block struct {
		fn   int
		keys []int
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
			if len(cur.keys) == 0 {
				pc, err := strconv.ParseUint(strings.TrimSuffix(f[0], ":")[2:], 16, 64)
				if err != nil {
					return nil, fmt.Errorf("qemu log: %q: %v", line, err)
				}
				curPC = pc
			}
			cur.keys = append(cur.keys, intern(key(f[1], f[2], strings.Join(f[3:], " "))))
		case cur != nil && line == "":
			if len(cur.keys) > 0 {
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
	p := &Profile{Funcs: map[string]int64{}, Keys: map[string]int64{}}
	for id, n := range execs {
		if n == 0 {
			continue
		}
		b := blocks[id]
		p.Funcs[names[b.fn]] += n * int64(len(b.keys))
		for _, k := range b.keys {
			p.Keys[names[k]] += n
		}
	}
	if len(p.Funcs) == 0 {
		return nil, fmt.Errorf("qemu log: no executed blocks (was it run with -d in_asm,exec,nochain?)")
	}
	return p, nil
}
