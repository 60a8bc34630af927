package arducamtest

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// ArduChip registers and bits (ArduCAM/Arduino ArduCAM.h).
const (
	regTest    = 0x00
	regFIFO    = 0x04
	regStatus  = 0x41
	regLen1    = 0x42
	regLen2    = 0x43
	regLen3    = 0x44
	cmdBurst   = 0x3C
	cmdSingle  = 0x3D
	fifoClear  = 0x01
	fifoStart  = 0x02
	fifoRdRst  = 0x10
	fifoWrRst  = 0x20
	statusDone = 0x08
	writeBit   = 0x80

	// fifoSize is the Mini 2MP's 384 KiB frame buffer.
	fifoSize = 0x60000
	// maxSpeed is the ArduChip's highest SPI clock.
	maxSpeed = 8 * physic.MegaHertz
)

// ErrSPI is the error injected SPI faults return.
var ErrSPI = errors.New("arducamtest: injected SPI fault")

// Port is the Sim's SPI side, an spi.PortCloser.
type Port struct{ s *Sim }

// SPI returns the SPI port the ArduChip sits on.
func (s *Sim) SPI() *Port { return &Port{s} }

func (p *Port) String() string { return "arducamtest SPI" }

// Close does nothing: the simulated port has nothing to release.
func (p *Port) Close() error { return nil }

// LimitSpeed accepts any positive speed.
func (p *Port) LimitSpeed(f physic.Frequency) error {
	if f <= 0 {
		return fmt.Errorf("arducamtest: invalid SPI speed %v", f)
	}
	return nil
}

// Connect returns the connection to the ArduChip. Like a Linux spidev
// port, it can be connected once; the ArduChip needs mode 0, 8-bit words
// and at most 8 MHz.
func (p *Port) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.spiConn:
		return nil, errors.New("arducamtest: SPI port already connected")
	case f <= 0 || f > maxSpeed:
		return nil, fmt.Errorf("arducamtest: SPI speed %v outside (0, %v]", f, maxSpeed)
	case mode != spi.Mode0:
		return nil, fmt.Errorf("arducamtest: SPI %v, the ArduChip uses Mode0", mode)
	case bits != 8:
		return nil, fmt.Errorf("arducamtest: %d bits per word, the ArduChip uses 8", bits)
	}
	s.spiConn = true
	return &Conn{s}, nil
}

// Conn is the SPI connection to the ArduChip: an spi.Conn and a
// conn.Limits. Each Tx is one chip-select assertion.
type Conn struct{ s *Sim }

var (
	_ spi.PortCloser = &Port{}
	_ spi.Conn       = &Conn{}
	_ conn.Limits    = &Conn{}
)

func (c *Conn) String() string { return "arducamtest SPI conn" }

// Duplex reports full duplex, as SPI is.
func (c *Conn) Duplex() conn.Duplex { return conn.Full }

// MaxTxSize implements conn.Limits.
func (c *Conn) MaxTxSize() int {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.maxTx()
}

func (s *Sim) maxTx() int {
	if s.MaxTxSize > 0 {
		return s.MaxTxSize
	}
	return 4096
}

// TxPackets runs each packet as a transfer of its own. The chip select is
// released between packets even with KeepCS, which the ArduChip does not
// need: its burst read survives chip select.
func (c *Conn) TxPackets(p []spi.Packet) error {
	for i := range p {
		if err := c.Tx(p[i].W, p[i].R); err != nil {
			return err
		}
	}
	return nil
}

// Tx is one transfer: a register read [addr, 0], a register write
// [addr|0x80, v], a burst read [0x3C, 0...] or a single FIFO read [0x3D, 0].
func (c *Conn) Tx(w, r []byte) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(w) == 0:
		return errors.New("arducamtest: empty SPI transfer")
	case len(r) != 0 && len(r) != len(w):
		return fmt.Errorf("arducamtest: SPI transfer writes %d bytes but reads %d", len(w), len(r))
	case len(w) > s.maxTx():
		return fmt.Errorf("arducamtest: SPI transfer of %d bytes exceeds MaxTxSize %d", len(w), s.maxTx())
	}
	if len(r) == 0 {
		r = make([]byte, len(w)) // a write-only transfer still clocks bytes in
	}
	clear(r)
	if w[0] == cmdBurst {
		return s.burst(r[1:])
	}
	if len(w) != 2 {
		return fmt.Errorf("arducamtest: register access of %d bytes, want 2", len(w))
	}
	addr := w[0] &^ writeBit
	if w[0]&writeBit != 0 {
		return s.writeChip(addr, w[1])
	}
	if addr == cmdSingle {
		return s.burst(r[1:])
	}
	r[1] = s.readChip(addr)
	return nil
}

func (s *Sim) burst(r []byte) error {
	if f := s.Faults; f.SPIFail && s.burstRead+len(r) > f.SPIFailAfter {
		// The bytes before the fault arrive, as on a wire that fails
		// partway; the transfer as a whole reports the error.
		k := max(0, min(len(r), f.SPIFailAfter-s.burstRead))
		s.copyFIFO(r[:k])
		return fmt.Errorf("%w after %d FIFO bytes", ErrSPI, s.burstRead)
	}
	s.copyFIFO(r)
	return nil
}

// copyFIFO reads from the FIFO at the read pointer; past the frame the
// ArduChip's memory holds whatever was there, here zeros.
func (s *Sim) copyFIFO(r []byte) {
	if s.rd < len(s.fifo) {
		copy(r, s.fifo[s.rd:])
	}
	s.rd += len(r)
	s.burstRead += len(r)
}

func (s *Sim) writeChip(addr, v byte) error {
	switch addr {
	case regTest:
		s.test = v
	case regFIFO:
		if v&fifoClear != 0 {
			s.started = false
		}
		if v&fifoRdRst != 0 {
			s.rd = 0
		}
		if v&fifoWrRst != 0 {
			s.length = 0
		}
		if v&fifoStart != 0 {
			return s.start()
		}
	default:
		s.chipRegs[addr] = v
	}
	return nil
}

func (s *Sim) readChip(addr byte) byte {
	switch addr {
	case regTest:
		if s.Faults.TestStuck {
			return s.Faults.TestValue
		}
		return s.test
	case regStatus:
		if s.done() {
			return statusDone
		}
		return 0
	case regLen1, regLen2, regLen3:
		n := s.length
		if !s.done() {
			n = 0
		}
		if s.Faults.FIFOLength != 0 {
			n = s.Faults.FIFOLength
		}
		n &= 0x7FFFFF
		return byte(n >> (8 * (addr - regLen1)))
	}
	return s.chipRegs[addr]
}

func (s *Sim) done() bool {
	return s.started && !s.Faults.NeverDone && s.sensor[1][0x09]&0x10 == 0 &&
		!s.now().Before(s.startAt.Add(s.CaptureDelay))
}

// start begins a capture: the frame is made now and becomes readable when
// the done bit rises.
func (s *Sim) start() error {
	s.captures++
	s.started = true
	s.startAt = s.now()
	s.rd = 0
	s.burstRead = 0
	b, err := s.nextFrame()
	if err != nil {
		return err
	}
	if s.Faults.Garbage {
		garbage(b)
	}
	if l := s.Faults.FIFOLimit; l > 0 && len(b) > l {
		b = b[:l]
	}
	if len(b) > fifoSize {
		b = b[:fifoSize] // the FIFO overflows: the rest of the frame is lost
	}
	s.fifo = b
	s.length = len(b)
	return nil
}

// garbage fills b with bytes from a fixed xorshift sequence, with every FF
// replaced, so no JPEG marker can appear.
func garbage(b []byte) {
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
		if b[i] == 0xFF {
			b[i] = 0xFE
		}
	}
}
