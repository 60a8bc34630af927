package arducam

import (
	"fmt"

	"periph.io/x/conn/v3/i2c"
)

// OV2640 registers (OV2640 datasheet; names as in Linux
// drivers/media/i2c/ov2640.c).
const (
	regBank    = 0xFF // RA_DLMT: 0 DSP bank, 1 sensor bank
	bankSensor = 0x01
	regPID     = 0x0A // sensor bank, product ID high: 0x26
	regVER     = 0x0B // sensor bank, product ID low: 0x41 or 0x42
	regCOM2    = 0x09 // sensor bank; bit 4 standby, bits 1..0 output drive
	regCOM7    = 0x12 // sensor bank; bit 7 resets all registers
	regCOM10   = 0x15 // sensor bank; ArduCAM writes 0 before the JPEG size

	pidOV2640   = 0x26
	com2Standby = 0x10
	// com2Drive is the output drive the init tables leave in COM2 (their
	// {0x09, 0x02}); waking from standby writes it back.
	com2Drive = 0x02
	com7Reset = 0x80
)

// sensor talks to the OV2640 over SCCB.
type sensor struct {
	bus  i2c.Bus
	addr uint16
	w    [2]byte
	r    [1]byte
}

func (s *sensor) write(reg, v byte) error {
	s.w = [2]byte{reg, v}
	if err := s.bus.Tx(s.addr, s.w[:], nil); err != nil {
		return fmt.Errorf("arducam: write OV2640 register 0x%02X: %w", reg, err)
	}
	return nil
}

// read sets the register address in one transaction and reads it in a
// second: SCCB has no repeated start, so a combined write-read would not
// reach the register.
func (s *sensor) read(reg byte) (byte, error) {
	s.w[0] = reg
	if err := s.bus.Tx(s.addr, s.w[:1], nil); err != nil {
		return 0, fmt.Errorf("arducam: select OV2640 register 0x%02X: %w", reg, err)
	}
	if err := s.bus.Tx(s.addr, nil, s.r[:]); err != nil {
		return 0, fmt.Errorf("arducam: read OV2640 register 0x%02X: %w", reg, err)
	}
	return s.r[0], nil
}

func (s *sensor) writeTable(name string, t []reg) error {
	for i, r := range t {
		if err := s.write(r.addr, r.val); err != nil {
			return fmt.Errorf("%w (table %s, entry %d of %d)", err, name, i+1, len(t))
		}
	}
	return nil
}

// id returns the product ID registers, PID then VER.
func (s *sensor) id() (pid, ver byte, err error) {
	if err := s.write(regBank, bankSensor); err != nil {
		return 0, 0, err
	}
	if pid, err = s.read(regPID); err != nil {
		return 0, 0, err
	}
	if ver, err = s.read(regVER); err != nil {
		return 0, 0, err
	}
	return pid, ver, nil
}
