package torchfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// scanPickle reads one pickle, up to and including its STOP opcode, from r,
// which holds at most limit bytes, and returns its bytes. It runs the pickle
// machine's stack without building any object, to refuse what gopickle v0.2.0
// (pickle/pickle.go) does not check itself and would panic or exhaust memory
// on:
//   - an opcode outside its dispatch table (0xff indexes past the end);
//   - a length argument larger than the bytes present (it allocates the length
//     before reading), including FRAME sizes;
//   - LONG1/LONG4 with zero bytes (decodeLong indexes the last byte);
//   - DICT and SETITEMS with an odd number of items after the mark (they read
//     items in pairs);
//   - bytes used where gopickle hashes a value: keys of SETITEM(S), which may
//     target an OrderedDict (a Go map), and members of sets.
//
// Everything else that is malformed (stack underflow, wrong operand types)
// gopickle reports as an error, and so does this scan where it is cheap.
// Opcode arguments follow CPython's Lib/pickletools.py.
func scanPickle(r *bufio.Reader, limit int64) ([]byte, error) {
	// Lengths must also fit an int on 32-bit boards, for make and gopickle.
	s := &scanner{r: r, left: min(limit, math.MaxInt), memo: map[int]bool{}}
	for {
		s.pos = int64(len(s.data))
		b, err := s.read(1)
		if err != nil {
			if s.pos == 0 {
				return nil, errors.New("empty: no pickle")
			}
			return nil, fmt.Errorf("ends at byte %d without a STOP opcode", s.pos)
		}
		s.op = b[0]
		stop, err := s.step()
		if err != nil {
			return nil, fmt.Errorf("byte %d, opcode 0x%02x: %w", s.pos, s.op, err)
		}
		if stop {
			return s.data, nil
		}
	}
}

type scanner struct {
	r    *bufio.Reader
	left int64  // bytes not yet read
	data []byte // bytes read so far: the pickle
	pos  int64  // offset of the current opcode
	op   byte

	// The stack holds, for each value, whether it is a bytes object (the one
	// kind of value gopickle cannot hash); marks hold the stacks below each MARK.
	stack []bool
	marks [][]bool
	memo  map[int]bool
}

var errTruncated = errors.New("truncated")

// read consumes n bytes, refusing lengths beyond what is left before reading.
func (s *scanner) read(n uint64) ([]byte, error) {
	if n > uint64(s.left) {
		return nil, fmt.Errorf("%w: needs %d bytes, %d left", errTruncated, n, s.left)
	}
	start := len(s.data)
	// Grow in steps so a length that the reader cannot back (a ReaderAt
	// shorter than the size it was given) costs no more than one step.
	for need := int(n); need > 0; {
		step := min(need, 1<<20)
		at := len(s.data)
		s.data = append(s.data, make([]byte, step)...)
		if _, err := io.ReadFull(s.r, s.data[at:]); err != nil {
			return nil, fmt.Errorf("%w: %v", errTruncated, err)
		}
		need -= step
	}
	s.left -= int64(n)
	return s.data[start:], nil
}

func (s *scanner) uint(size int) (uint64, error) {
	b, err := s.read(uint64(size))
	if err != nil {
		return 0, err
	}
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:]), nil
}

// line consumes an argument ended by a newline and returns it without it.
func (s *scanner) line() (string, error) {
	start := len(s.data)
	for {
		b, err := s.read(1)
		if err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return string(s.data[start : len(s.data)-1]), nil
		}
	}
}

// counted consumes a length of size bytes and that many bytes after it.
// signed lengths are 4-byte two's complement (BINSTRING, LONG4).
func (s *scanner) counted(size int, signed bool) (int, error) {
	n, err := s.uint(size)
	if err != nil {
		return 0, err
	}
	if signed && int32(uint32(n)) < 0 {
		return 0, fmt.Errorf("negative length %d", int32(uint32(n)))
	}
	if _, err := s.read(n); err != nil {
		return 0, err
	}
	return int(n), nil
}

func (s *scanner) push(isBytes bool) { s.stack = append(s.stack, isBytes) }

// pop removes n values above the last mark, returning them bottom first.
func (s *scanner) pop(n int) ([]bool, error) {
	if len(s.stack) < n {
		return nil, fmt.Errorf("needs %d values on the stack, %d above the mark", n, len(s.stack))
	}
	top := s.stack[len(s.stack)-n:]
	s.stack = s.stack[:len(s.stack)-n]
	return top, nil
}

// popMark removes the values above the last mark and the mark.
func (s *scanner) popMark() ([]bool, error) {
	if len(s.marks) == 0 {
		return nil, errors.New("no MARK to pop")
	}
	items := s.stack
	s.stack = s.marks[len(s.marks)-1]
	s.marks = s.marks[:len(s.marks)-1]
	return items, nil
}

// effect pops n values and pushes one non-bytes result.
func (s *scanner) effect(n int) error {
	if _, err := s.pop(n); err != nil {
		return err
	}
	s.push(false)
	return nil
}

func (s *scanner) memoGet(i int) { s.push(s.memo[i]) }

func (s *scanner) memoPut(i int) error {
	if len(s.stack) == 0 {
		return errors.New("memo store with an empty stack")
	}
	s.memo[i] = s.stack[len(s.stack)-1]
	return nil
}

func anyBytes(v []bool, step int) bool {
	for i := 0; i < len(v); i += step {
		if v[i] {
			return true
		}
	}
	return false
}

var errBytesKey = errors.New("bytes used as a dict key or set member (not supported)")

// step runs one opcode; it reports true at STOP.
func (s *scanner) step() (bool, error) {
	switch s.op {
	case '(': // MARK
		s.marks = append(s.marks, s.stack)
		s.stack = nil
	case '.': // STOP
		_, err := s.pop(1)
		return err == nil, err
	case '0': // POP: gopickle, like CPython, pops the mark when the stack is empty
		if len(s.stack) == 0 {
			_, err := s.popMark()
			return false, err
		}
		s.stack = s.stack[:len(s.stack)-1]
	case '1': // POP_MARK
		_, err := s.popMark()
		return false, err
	case '2': // DUP
		top, err := s.pop(1)
		if err != nil {
			return false, err
		}
		s.push(top[0])
		s.push(top[0])
	case 'F', 'I', 'L', 'S', 'V', 'P': // FLOAT, INT, LONG, STRING, UNICODE, PERSID
		arg, err := s.line()
		if err != nil {
			return false, err
		}
		// gopickle converts a text LONG that fits int64 to int unchecked.
		if s.op == 'L' {
			if v, err := strconv.ParseInt(strings.TrimSuffix(arg, "L"), 10, 64); err == nil && !intFits(v) {
				return false, fmt.Errorf("LONG %d does not fit this machine's %d-bit int", v, strconv.IntSize)
			}
		}
		s.push(false)
	case 'c': // GLOBAL
		for range 2 {
			if _, err := s.line(); err != nil {
				return false, err
			}
		}
		s.push(false)
	case 'i': // INST
		for range 2 {
			if _, err := s.line(); err != nil {
				return false, err
			}
		}
		if _, err := s.popMark(); err != nil {
			return false, err
		}
		s.push(false)
	case 'J', 'K', 'M', 'G': // BININT, BININT1, BININT2, BINFLOAT
		size := uint64(4)
		switch s.op {
		case 'K':
			size = 1
		case 'M':
			size = 2
		case 'G':
			size = 8
		}
		if _, err := s.read(size); err != nil {
			return false, err
		}
		s.push(false)
	case 'N', ')', ']', '}', 0x88, 0x89, 0x8f: // NONE, EMPTY_TUPLE/LIST/DICT, NEWTRUE, NEWFALSE, EMPTY_SET
		s.push(false)
	case 'T': // BINSTRING
		if _, err := s.counted(4, true); err != nil {
			return false, err
		}
		s.push(false)
	case 'U', 0x8c: // SHORT_BINSTRING, SHORT_BINUNICODE
		if _, err := s.counted(1, false); err != nil {
			return false, err
		}
		s.push(false)
	case 'X': // BINUNICODE
		if _, err := s.counted(4, false); err != nil {
			return false, err
		}
		s.push(false)
	case 0x8d, 0x96: // BINUNICODE8, BYTEARRAY8
		if _, err := s.counted(8, false); err != nil {
			return false, err
		}
		s.push(false)
	case 'C': // SHORT_BINBYTES
		if _, err := s.counted(1, false); err != nil {
			return false, err
		}
		s.push(true)
	case 'B': // BINBYTES
		if _, err := s.counted(4, false); err != nil {
			return false, err
		}
		s.push(true)
	case 0x8e: // BINBYTES8
		if _, err := s.counted(8, false); err != nil {
			return false, err
		}
		s.push(true)
	case 0x8a, 0x8b: // LONG1, LONG4
		size, signed := 1, false
		if s.op == 0x8b {
			size, signed = 4, true
		}
		n, err := s.counted(size, signed)
		if err != nil {
			return false, err
		}
		if n == 0 {
			// CPython writes 0 as BININT1; gopickle cannot decode an empty LONG.
			return false, errors.New("LONG with no bytes")
		}
		// gopickle's decodeLong makes an int of up to 8 bytes unchecked
		// (a *big.Int only past 8): on the 32-bit boards 2^32+16 would read
		// as 16, where a 64-bit host reads the true value.
		if v, ok := smallLong(s.data[len(s.data)-n:]); ok && !intFits(v) {
			return false, fmt.Errorf("LONG %d does not fit this machine's %d-bit int", v, strconv.IntSize)
		}
		s.push(false)
	case 'Q', 0x85: // BINPERSID, TUPLE1
		return false, s.effect(1)
	case 'R', 0x81, 0x86, 0x93, 'a': // REDUCE, NEWOBJ, TUPLE2, STACK_GLOBAL, APPEND
		return false, s.effect(2)
	case 0x87, 0x92: // TUPLE3, NEWOBJ_EX
		return false, s.effect(3)
	case 'b': // BUILD: pops the state, keeps the object
		if _, err := s.pop(2); err != nil {
			return false, err
		}
		s.push(false)
	case 's': // SETITEM: dict key value -> dict
		kv, err := s.pop(3)
		if err != nil {
			return false, err
		}
		if kv[1] {
			return false, errBytesKey
		}
		s.push(false)
	case 'd', 'u': // DICT, SETITEMS
		items, err := s.popMark()
		if err != nil {
			return false, err
		}
		if len(items)%2 != 0 {
			return false, fmt.Errorf("odd number of items (%d) for a dict", len(items))
		}
		if s.op == 'u' {
			if anyBytes(items, 2) {
				return false, errBytesKey
			}
			return false, s.effect(1)
		}
		s.push(false)
	case 'e', 0x90: // APPENDS, ADDITEMS
		items, err := s.popMark()
		if err != nil {
			return false, err
		}
		if s.op == 0x90 && anyBytes(items, 1) {
			return false, errBytesKey
		}
		return false, s.effect(1)
	case 'l', 't', 0x91: // LIST, TUPLE, FROZENSET
		items, err := s.popMark()
		if err != nil {
			return false, err
		}
		if s.op == 0x91 && anyBytes(items, 1) {
			return false, errBytesKey
		}
		s.push(false)
	case 'o': // OBJ
		items, err := s.popMark()
		if err != nil {
			return false, err
		}
		if len(items) == 0 {
			return false, errors.New("OBJ without a class")
		}
		s.push(false)
	case 'g', 'p': // GET, PUT with a decimal argument
		arg, err := s.line()
		if err != nil {
			return false, err
		}
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 {
			return false, fmt.Errorf("bad memo index %q", arg)
		}
		if s.op == 'g' {
			s.memoGet(i)
			return false, nil
		}
		return false, s.memoPut(i)
	case 'h', 'j', 'q', 'r': // BINGET, LONG_BINGET, BINPUT, LONG_BINPUT
		size := 1
		if s.op == 'j' || s.op == 'r' {
			size = 4
		}
		i, err := s.uint(size)
		if err != nil {
			return false, err
		}
		if s.op == 'h' || s.op == 'j' {
			s.memoGet(int(i))
			return false, nil
		}
		return false, s.memoPut(int(i))
	case 0x94: // MEMOIZE: gopickle stores at index len(memo)
		return false, s.memoPut(len(s.memo))
	case 0x80: // PROTO
		if _, err := s.read(1); err != nil {
			return false, err
		}
	case 0x95: // FRAME: an 8-byte size, then the framed opcodes follow inline
		n, err := s.uint(8)
		if err != nil {
			return false, err
		}
		if n > uint64(s.left) {
			return false, fmt.Errorf("%w: frame of %d bytes, %d left", errTruncated, n, s.left)
		}
	case 0x98: // READONLY_BUFFER
		_, err := s.pop(1)
		s.push(false)
		return false, err
	case 0x82, 0x83, 0x84, 0x97: // EXT1, EXT2, EXT4, NEXT_BUFFER
		return false, errors.New("extension registry and out-of-band buffers are not used by torch.save")
	default:
		return false, errors.New("unknown opcode")
	}
	return false, nil
}

// smallLong decodes a LONG1/LONG4 argument (little-endian two's complement,
// pickletools' decode_long) of at most 8 bytes; ok is false for longer ones,
// which gopickle returns as a *big.Int.
func smallLong(b []byte) (v int64, ok bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	shift := 64 - 8*uint(len(b))
	return int64(u<<shift) >> shift, true
}

// intFits reports whether v is an int on this machine (32 bits on armv6 and
// armv7).
func intFits(v int64) bool { return v >= math.MinInt && v <= math.MaxInt }
