package arducam

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"github.com/edgecache/edgecache/device"
)

// Errors a caller may handle; every error that reports one wraps it, with
// the details, so test with errors.Is.
var (
	// ErrNoChip: the ArduChip did not read back its test register, so
	// nothing (or something else) answers on the SPI port: check wiring,
	// chip select and power.
	ErrNoChip = errors.New("arducam: no ArduChip on the SPI port (test register mismatch)")
	// ErrChipID: the I2C device at the sensor address is not an OV2640.
	ErrChipID = errors.New("arducam: sensor is not an OV2640")
	// ErrTimeout: the ArduChip did not report a finished capture in time.
	ErrTimeout = errors.New("arducam: capture timed out")
	// ErrBadFrame: the FIFO held no usable frame (empty, too long, short,
	// or a JPEG without its start or end marker). The next capture may
	// succeed.
	ErrBadFrame = errors.New("arducam: bad frame in FIFO")
	// ErrHalted: Halt stopped a capture in progress.
	ErrHalted = errors.New("arducam: halted")
	// ErrClosed: the Dev was closed.
	ErrClosed = errors.New("arducam: closed")
)

// Opts configures a Dev. Zero fields take DefaultOpts' value.
type Opts struct {
	// Format is device.JPEG or device.RGB565BE.
	Format device.Format
	// Size is one of Sizes(Format): for JPEG 160x120 to 1600x1200, for
	// RGB565 320x240 only.
	Size image.Point
	// Timeout bounds the wait for one capture.
	Timeout time.Duration
	// PollInterval is the pause between reads of the capture-done bit.
	PollInterval time.Duration
	// Addr is the OV2640's 7-bit I2C address.
	Addr uint16
	// SPISpeed is the SPI clock; the ArduChip takes up to 8 MHz.
	SPISpeed physic.Frequency
	// SPIMode is the SPI mode; the ArduChip uses mode 0.
	SPIMode spi.Mode
	// MaxTxSize caps one SPI transfer in bytes. Zero uses the port's
	// conn.Limits, or 4096 (Linux spidev's default bufsiz) when the port
	// does not say; a non-zero value smaller than the port's limit wins.
	MaxTxSize int
	// ResetDelay is the wait after the sensor's software reset before it
	// takes register writes (ArduCAM.cpp waits 100 ms).
	ResetDelay time.Duration
}

// DefaultOpts is a 320x240 JPEG camera at the module's documented address
// and bus settings, with a 2 s capture timeout: a UXGA frame takes about
// two frame times (under 300 ms) once exposure settles, and the first
// frames after power-up take longer.
var DefaultOpts = Opts{
	Format:       device.JPEG,
	Size:         image.Pt(320, 240),
	Timeout:      2 * time.Second,
	PollInterval: 2 * time.Millisecond,
	Addr:         0x30,
	SPISpeed:     8 * physic.MegaHertz,
	SPIMode:      spi.Mode0,
	ResetDelay:   100 * time.Millisecond,
}

// defaultMaxTx is Linux spidev's default transfer limit (module parameter
// bufsiz, 4096), what a stock Raspberry Pi allows.
const defaultMaxTx = 4096

// Dev is an ArduCAM Mini 2MP. It is safe for concurrent use; captures are
// serialised.
type Dev struct {
	mu     sync.Mutex
	chip   chip
	sensor sensor
	opts   Opts
	mode   mode
	maxTx  int
	name   string

	w, r  []byte // burst transfer buffers, maxTx long
	frame []byte // Next's frame buffer, reused

	seq     uint64
	standby bool
	closed  bool
	halting atomic.Bool
}

var (
	_ conn.Resource = &Dev{}
	_ device.Source = &Dev{}
)

// New connects to the ArduChip on p and the OV2640 on b, checks both, and
// programs the sensor for opts (nil means DefaultOpts). The application
// keeps ownership of p and b.
func New(p spi.Port, b i2c.Bus, opts *Opts) (*Dev, error) {
	o := fill(opts)
	m, err := findMode(o.Format, o.Size)
	if err != nil {
		return nil, err
	}
	if o.Addr > 0x7F {
		return nil, fmt.Errorf("arducam: I2C address 0x%X is not a 7-bit address", o.Addr)
	}
	c, err := p.Connect(o.SPISpeed, o.SPIMode, 8)
	if err != nil {
		return nil, fmt.Errorf("arducam: connect SPI %s: %w", p, err)
	}
	maxTx := defaultMaxTx
	if l, ok := c.(conn.Limits); ok && l.MaxTxSize() > 0 {
		maxTx = l.MaxTxSize()
		if o.MaxTxSize > 0 {
			maxTx = min(maxTx, o.MaxTxSize)
		}
	} else if o.MaxTxSize > 0 {
		maxTx = o.MaxTxSize
	}
	if maxTx < 2 {
		return nil, fmt.Errorf("arducam: SPI transfers of %d bytes cannot carry a register access", maxTx)
	}
	// One transfer never needs more than the command byte and the whole
	// FIFO; a port that allows more must not make New allocate it.
	maxTx = min(maxTx, maxFIFO+1)
	d := &Dev{
		chip:   chip{c: c},
		sensor: sensor{bus: b, addr: o.Addr},
		opts:   o,
		mode:   m,
		maxTx:  maxTx,
		name:   fmt.Sprintf("ArduCAM Mini 2MP(%s, I2C %s@0x%02X; %v %dx%d)", c, b, o.Addr, m.format, m.out.X, m.out.Y),
		w:      make([]byte, maxTx),
		r:      make([]byte, maxTx),
	}
	if err := d.init(); err != nil {
		return nil, err
	}
	return d, nil
}

func fill(opts *Opts) Opts {
	o := DefaultOpts
	if opts == nil {
		return o
	}
	if opts.Format != device.None {
		o.Format = opts.Format
	}
	if opts.Size != (image.Point{}) {
		o.Size = opts.Size
	}
	if opts.Timeout > 0 {
		o.Timeout = opts.Timeout
	}
	if opts.PollInterval > 0 {
		o.PollInterval = opts.PollInterval
	}
	if opts.Addr != 0 {
		o.Addr = opts.Addr
	}
	if opts.SPISpeed > 0 {
		o.SPISpeed = opts.SPISpeed
	}
	o.SPIMode = opts.SPIMode // Mode0 is the zero value
	o.MaxTxSize = opts.MaxTxSize
	if opts.ResetDelay > 0 {
		o.ResetDelay = opts.ResetDelay
	}
	return o
}

// init checks the SPI and I2C sides and writes the register tables.
func (d *Dev) init() error {
	// Two patterns, so a line stuck high or low, or a MISO that echoes
	// MOSI one transfer late, does not pass.
	for _, v := range [...]byte{0x55, 0xAA} {
		if err := d.chip.write(regTest, v); err != nil {
			return err
		}
		got, err := d.chip.read(regTest)
		if err != nil {
			return err
		}
		if got != v {
			return fmt.Errorf("%w: wrote 0x%02X, read 0x%02X", ErrNoChip, v, got)
		}
	}
	pid, ver, err := d.sensor.id()
	if err != nil {
		return fmt.Errorf("%w (is the sensor at I2C address 0x%02X?)", err, d.opts.Addr)
	}
	if pid != pidOV2640 || (ver != 0x41 && ver != 0x42) {
		return fmt.Errorf("%w: product ID 0x%02X%02X, want 0x2641 or 0x2642", ErrChipID, pid, ver)
	}
	if err := d.sensor.write(regBank, bankSensor); err != nil {
		return err
	}
	if err := d.sensor.write(regCOM7, com7Reset); err != nil {
		return err
	}
	time.Sleep(d.opts.ResetDelay)
	for _, t := range d.mode.tables {
		if err := d.sensor.writeTable(t.name, t.regs); err != nil {
			return err
		}
	}
	return d.chip.write(regFIFO, fifoClear)
}

// String names the module, its buses and its output.
func (d *Dev) String() string { return d.name }

// Size is the frame size the sensor delivers, which for the 1280x1024 JPEG
// mode is 1280x960.
func (d *Dev) Size() image.Point { return d.mode.out }

// Halt stops a capture in progress (it returns ErrHalted) and puts the
// sensor in standby; the next capture wakes it.
func (d *Dev) Halt() error {
	d.halting.Store(true)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halting.Store(false)
	if d.closed || d.standby {
		return nil
	}
	return d.sleep()
}

func (d *Dev) sleep() error {
	if err := d.chip.write(regFIFO, fifoClear); err != nil {
		return err
	}
	if err := d.sensor.write(regBank, bankSensor); err != nil {
		return err
	}
	if err := d.sensor.write(regCOM2, com2Drive|com2Standby); err != nil {
		return err
	}
	d.standby = true
	return nil
}

// Close halts the camera; further captures return ErrClosed. It leaves the
// SPI port and I2C bus open: they belong to the caller.
func (d *Dev) Close() error {
	err := d.Halt()
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	return err
}

// Next captures a frame and returns it undecoded, Data in Format (JPEG or
// RGB565BE) with the sensor's Width and Height. Data is reused by the next
// call to Next.
func (d *Dev) Next(ctx context.Context) (device.Frame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	buf, b, err := d.capture(ctx, d.frame)
	d.frame = buf
	if err != nil {
		return device.Frame{}, err
	}
	f := device.Frame{
		Data:   b,
		Format: d.mode.format,
		Width:  d.mode.out.X,
		Height: d.mode.out.Y,
		Seq:    d.seq,
		Time:   time.Now(),
	}
	d.seq++
	return f, nil
}

// Capture captures a frame into a new slice: a whole JPEG (FF D8 to
// FF D9), or Size().X*Size().Y big-endian RGB565 pixels, rows top down.
func (d *Dev) Capture(ctx context.Context) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, b, err := d.capture(ctx, nil)
	return b, err
}
