// Package arducamtest simulates an ArduCAM Mini 2MP (ArduChip frame buffer
// plus OV2640 sensor) behind periph.io's spi.Port and i2c.Bus, so the
// arducam driver, and programs built on it, run whole captures without
// hardware: on a laptop, in CI, or as the firmware under qemu.
//
// The simulation follows the register protocol package arducam documents
// (ArduCAM/Arduino ArduCAM.h and ArduCAM.cpp, the OV2640 datasheet): SPI
// register reads and writes, a test register, FIFO control (clear the done
// flag, start, reset pointers), a status register whose done bit rises a
// configurable delay after the start, a 23-bit FIFO length, and burst reads
// that keep their place across transfers. The OV2640 side has two register
// banks selected by register 0xFF, the product ID, a software reset, and
// records every register write.
//
// What a capture puts in the FIFO follows the sensor registers the driver
// wrote: the output size from ZMOW/ZMOH/ZMHH (DSP 0x5A, 0x5B, 0x5C, in
// units of 4 pixels) and the format from IMAGE_MODE (DSP 0xDA: 0x10 JPEG,
// 0x08 RGB565 big-endian). The next source image is scaled to that size
// (nearest neighbour) and encoded; a raw source (NewRaw) goes into the FIFO
// as given. A sensor in standby (COM2 bit 4) never finishes a capture.
//
// Faults can be injected through Sim.Faults: a wrong product ID, a stuck
// test register, a capture that never finishes, a short or garbage FIFO, a
// length beyond the buffer, an SPI error after a number of FIFO bytes, and
// an I2C NACK after a number of transactions.
//
// Unlike real hardware, the simulation rejects transfers a correct driver
// never makes (an SCCB write-then-read in one transaction, a transfer
// larger than MaxTxSize, a malformed register access) with an error naming
// the mistake, so a driver bug fails loudly.
package arducamtest
