package arducamtest

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// ErrNACK is the error the simulated sensor's I2C faults return, and what a
// transaction to an address nobody answers gets.
var ErrNACK = errors.New("arducamtest: I2C NACK")

// Bus is the Sim's I2C side, an i2c.BusCloser with the OV2640 on it.
type Bus struct{ s *Sim }

var _ i2c.BusCloser = &Bus{}

// I2C returns the I2C bus the OV2640 sits on.
func (s *Sim) I2C() *Bus { return &Bus{s} }

func (b *Bus) String() string { return "arducamtest I2C" }

// Close does nothing: the simulated bus has nothing to release.
func (b *Bus) Close() error { return nil }

// SetSpeed accepts any positive speed.
func (b *Bus) SetSpeed(f physic.Frequency) error {
	if f <= 0 {
		return fmt.Errorf("arducamtest: invalid I2C speed %v", f)
	}
	return nil
}

// Tx is one SCCB transaction: [reg, val] writes a register, [reg] sets the
// address the next read returns, and a one-byte read returns it. Register
// 0xFF selects the bank; sensor-bank COM7 (0x12) bit 7 resets the sensor.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if addr != s.Addr {
		return fmt.Errorf("%w: no device at address 0x%02X", ErrNACK, addr)
	}
	if f := s.Faults; f.I2CFail && s.i2cTx >= f.I2CFailAfter {
		return fmt.Errorf("%w at address 0x%02X (transaction %d)", ErrNACK, addr, s.i2cTx)
	}
	s.i2cTx++
	switch {
	case len(w) != 0 && len(r) != 0:
		return errors.New("arducamtest: SCCB has no repeated start: write the register address and read in two transactions")
	case len(w) == 2:
		s.writeSensor(w[0], w[1])
	case len(w) == 1:
		s.sel = w[0]
	case len(w) == 0 && len(r) == 1:
		r[0] = s.readSensor(s.sel)
	default:
		return fmt.Errorf("arducamtest: SCCB transaction writing %d and reading %d bytes", len(w), len(r))
	}
	return nil
}

func (s *Sim) writeSensor(reg, v byte) {
	s.writes = append(s.writes, Write{Bank: s.bank, Reg: reg, Val: v})
	if reg == 0xFF {
		s.bank = v & 1
		return
	}
	if s.bank == 1 && reg == 0x12 && v&0x80 != 0 {
		s.resetSensor()
		return
	}
	s.sensor[s.bank][reg] = v
}

func (s *Sim) readSensor(reg byte) byte {
	if reg == 0xFF {
		return s.bank
	}
	if id := s.Faults.ChipID; id != 0 && s.bank == 1 && (reg == 0x0A || reg == 0x0B) {
		if reg == 0x0A {
			return byte(id >> 8)
		}
		return byte(id)
	}
	return s.sensor[s.bank][reg]
}
