package arducamtest

import (
	"fmt"
	"image"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Faults are the failures a Sim can be told to show. The zero value is a
// healthy module.
type Faults struct {
	// ChipID, when non-zero, is the product ID the sensor reports in
	// registers 0x0A (high byte) and 0x0B (low byte) instead of 0x2642.
	ChipID uint16
	// TestStuck makes the ArduChip's test register always read TestValue.
	TestStuck bool
	TestValue byte
	// NeverDone: captures never finish.
	NeverDone bool
	// FIFOLimit, when positive, cuts every frame to that many bytes.
	FIFOLimit int
	// Garbage replaces every frame with pseudo-random bytes (with no JPEG
	// markers in them) of the frame's length.
	Garbage bool
	// FIFOLength, when non-zero, is what the length registers report
	// whatever the FIFO holds (masked to their 23 bits).
	FIFOLength int
	// SPIFail makes SPI transfers fail once SPIFailAfter FIFO bytes have
	// been burst-read in the current capture.
	SPIFail      bool
	SPIFailAfter int
	// I2CFail makes the sensor NACK every I2C transaction after the first
	// I2CFailAfter.
	I2CFail      bool
	I2CFailAfter int
}

// Sim is a simulated ArduCAM Mini 2MP. Configure its exported fields
// before the driver connects; change Faults at any time. SPI and I2C give
// the two buses to pass to arducam.New.
type Sim struct {
	// Addr is the sensor's 7-bit I2C address (arducam's default 0x30).
	Addr uint16
	// MaxTxSize is the SPI connection's transfer limit, reported through
	// conn.Limits (4096, Linux spidev's default, when zero).
	MaxTxSize int
	// CaptureDelay is how long after a start the done bit rises.
	CaptureDelay time.Duration
	// Quality is the JPEG quality of encoded frames (85 when zero).
	Quality int
	// Padding is a count of zero bytes added after each frame in the FIFO,
	// so a driver must find the frame's end itself.
	Padding int
	// Now is the clock (time.Now when nil); tests may supply a fake one.
	Now func() time.Time
	// Faults are the failures to show.
	Faults Faults

	mu      sync.Mutex
	sources []source
	next    int

	// ArduChip
	test      byte
	chipRegs  [0x80]byte
	fifo      []byte
	rd        int
	started   bool
	startAt   time.Time
	length    int
	burstRead int
	captures  int

	// OV2640
	bank    byte
	sensor  [2][256]byte
	sel     byte
	writes  []Write
	i2cTx   int
	spiConn bool
}

// source is one frame to capture: an image to scale and encode, a file to
// decode first, or raw FIFO bytes.
type source struct {
	img  image.Image
	path string
	raw  []byte
}

// Write is one recorded sensor register write.
type Write struct {
	Bank, Reg, Val byte
}

// New returns a Sim whose captures cycle through imgs, each scaled to the
// size the driver programmed and encoded in its format.
func New(imgs ...image.Image) *Sim {
	s := newSim()
	for _, m := range imgs {
		s.sources = append(s.sources, source{img: m})
	}
	return s
}

// NewRaw returns a Sim whose captures cycle through frames, put in the FIFO
// as given (a JPEG file's bytes, say), whatever the driver programmed.
func NewRaw(frames ...[]byte) *Sim {
	s := newSim()
	for _, f := range frames {
		s.sources = append(s.sources, source{raw: f})
	}
	return s
}

// NewFromDir returns a Sim whose captures cycle through the .jpg, .jpeg and
// .png files under dir (recursively, in lexical order), decoded when
// captured, so a folder of any size costs no memory up front.
func NewFromDir(dir string) (*Sim, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
			if e.Type().IsRegular() {
				paths = append(paths, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("arducamtest: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("arducamtest: no .jpg, .jpeg or .png files under %s", dir)
	}
	slices.Sort(paths)
	s := newSim()
	for _, p := range paths {
		s.sources = append(s.sources, source{path: p})
	}
	return s, nil
}

func newSim() *Sim {
	s := &Sim{Addr: 0x30}
	s.resetSensor()
	return s
}

// Writes returns the sensor register writes so far, in order.
func (s *Sim) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

// Reg returns a sensor register's value in a bank (0 DSP, 1 sensor).
func (s *Sim) Reg(bank, reg byte) byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sensor[bank&1][reg]
}

// Captures is the number of captures started.
func (s *Sim) Captures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.captures
}

// OutputSize is the frame size the sensor registers program (zero before
// the driver writes a size table).
func (s *Sim) OutputSize() image.Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outSize()
}

func (s *Sim) outSize() image.Point {
	d := &s.sensor[0]
	w := (int(d[0x5A]) | int(d[0x5C]&0x03)<<8) * 4
	h := (int(d[0x5B]) | int(d[0x5C]>>2&1)<<8) * 4
	return image.Pt(w, h)
}

func (s *Sim) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// resetSensor is COM7's software reset: every register to zero except the
// read-only IDs (the datasheet's defaults of the rest matter only to a
// driver that skips the tables).
func (s *Sim) resetSensor() {
	s.sensor = [2][256]byte{}
	s.bank = 0
	s.sensor[1][0x0A] = 0x26 // PIDH
	s.sensor[1][0x0B] = 0x42 // PIDL
	s.sensor[1][0x1C] = 0x7F // MIDH
	s.sensor[1][0x1D] = 0xA2 // MIDL
}
