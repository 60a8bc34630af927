package arducam

import (
	"fmt"

	"periph.io/x/conn/v3/spi"
)

// ArduChip registers and bits (ArduCAM/Arduino ArduCAM/ArduCAM.h).
const (
	regTest     = 0x00 // ARDUCHIP_TEST1
	regFIFO     = 0x04 // ARDUCHIP_FIFO
	regStatus   = 0x41 // ARDUCHIP_TRIG
	regFIFOLen1 = 0x42 // FIFO_SIZE1, bits 7..0
	regFIFOLen2 = 0x43 // FIFO_SIZE2, bits 15..8
	regFIFOLen3 = 0x44 // FIFO_SIZE3, bits 22..16
	cmdBurst    = 0x3C // BURST_FIFO_READ

	fifoClear    = 0x01 // FIFO_CLEAR_MASK: clears the capture-done flag
	fifoStart    = 0x02 // FIFO_START_MASK
	fifoResetPtr = 0x30 // FIFO_RDPTR_RST_MASK | FIFO_WRPTR_RST_MASK
	fifoResetRd  = 0x10 // FIFO_RDPTR_RST_MASK
	statusDone   = 0x08 // CAP_DONE_MASK

	writeBit = 0x80 // RWBIT: set for writes, clear for reads

	// maxFIFO is the Mini 2MP's frame buffer, 384 KiB (ArduCAM.h
	// MAX_FIFO_SIZE for OV2640_MINI_2MP is 0x5FFFF, the last address).
	maxFIFO = 0x60000
	// lenMask keeps the 23 bits the three length registers hold.
	lenMask = 0x7FFFFF
)

// chip talks to the ArduChip over one SPI connection. Each register access
// is one transfer, so chip select frames it as the ArduChip expects.
type chip struct {
	c   spi.Conn
	buf [2]byte
	rd  [2]byte
}

func (c *chip) write(addr, v byte) error {
	c.buf = [2]byte{addr | writeBit, v}
	if err := c.c.Tx(c.buf[:], c.rd[:]); err != nil {
		return fmt.Errorf("arducam: write ArduChip register 0x%02X: %w", addr, err)
	}
	return nil
}

func (c *chip) read(addr byte) (byte, error) {
	c.buf = [2]byte{addr &^ writeBit, 0}
	if err := c.c.Tx(c.buf[:], c.rd[:]); err != nil {
		return 0, fmt.Errorf("arducam: read ArduChip register 0x%02X: %w", addr, err)
	}
	return c.rd[1], nil
}

// fifoLen reads the 23-bit count of bytes the last capture wrote.
func (c *chip) fifoLen() (int, error) {
	var n uint32
	for i, a := range [...]byte{regFIFOLen1, regFIFOLen2, regFIFOLen3} {
		v, err := c.read(a)
		if err != nil {
			return 0, err
		}
		n |= uint32(v) << (8 * i)
	}
	// Masked to 23 bits the value fits an int on 32-bit boards too.
	return int(n & lenMask), nil
}

// burst fills dst from the FIFO in transfers of at most limit bytes, each
// the burst command followed by limit-1 data bytes: the ArduChip keeps its
// read pointer when chip select rises between them. done, when not nil, is
// told how much of dst is filled after every transfer and may stop the
// read early (a JPEG's end seen before the padded FIFO length).
func (c *chip) burst(dst []byte, limit int, w, r []byte, done func(n int) bool) (int, error) {
	step := limit - 1
	n := 0
	for n < len(dst) {
		k := min(step, len(dst)-n)
		w[0] = cmdBurst
		clear(w[1 : k+1])
		if err := c.c.Tx(w[:k+1], r[:k+1]); err != nil {
			return n, fmt.Errorf("arducam: burst read at FIFO byte %d of %d: %w", n, len(dst), err)
		}
		copy(dst[n:], r[1:k+1])
		n += k
		if done != nil && done(n) {
			break
		}
	}
	return n, nil
}
