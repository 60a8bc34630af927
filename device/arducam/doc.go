// Package arducam drives the ArduCAM Mini 2MP, an OmniVision OV2640 sensor
// behind ArduCAM's "ArduChip" frame buffer, through periph.io: the sensor is
// set up over I2C (SCCB) and frames are read from the ArduChip's FIFO over
// SPI. Dev is a device.Source: Next captures one frame and hands it over as
// the camera sent it (JPEG, or RGB565 big-endian), undecoded.
//
// # Wiring on a Raspberry Pi
//
// SPI0 (MOSI, MISO, SCLK, CE0) to the module's MOSI, MISO, SCK and CS; I2C1
// (SDA, SCL) to SDA and SCL; 3.3 V and ground. Enable both buses (dtparam
// spi=on, i2c_arm=on) and open them with spireg.Open("") and i2creg.Open("")
// after host.Init(); the example shows the whole sequence.
//
// # Protocol
//
// ArduChip, over SPI mode 0 at up to 8 MHz (the SPISettings of ArduCAM's
// example ArduCAM_Mini_Video2SD; registers from ArduCAM.h, ArduCAM.cpp): a
// register write is the two bytes [addr|0x80, value], a read is [addr&0x7F,
// 0] with the value clocked back in the second byte. Registers used:
//
//	0x00  test register: reads back what was written (bus check)
//	0x04  FIFO control: bit 0 clear the capture-done flag, bit 1 start a
//	      capture, bit 4 reset the read pointer, bit 5 reset the write pointer
//	0x3C  burst FIFO read: after this command byte every clocked byte is the
//	      next FIFO byte; the read pointer survives chip-select going high, so
//	      a frame is read in several transfers, each starting with 0x3C
//	0x41  status: bit 3 capture done
//	0x42  FIFO length bits 7..0, 0x43 bits 15..8, 0x44 bits 22..16
//
// The Mini 2MP's FIFO holds 384 KiB (ArduCAM.h MAX_FIFO_SIZE 0x5FFFF for
// OV2640_MINI_2MP); a longer length is a bus fault, not a frame.
//
// OV2640, over SCCB at 7-bit address 0x30 (ArduCAM.cpp uses 0x30 on the
// Raspberry Pi, and on the Arduino 0x60, the 8-bit write address it shifts
// right by one for the Wire library). SCCB has no repeated start, so a
// register read is a one-byte write of the address, a stop, then a separate
// one-byte read. Register 0xFF selects the bank (0 DSP, 1 sensor). In the
// sensor bank, 0x0A/0x0B hold the product ID 0x26, then the revision 0x41
// or 0x42, both taken here (ArduCAM's examples in effect test 0x26 alone:
// their revision clause is always true; Linux drivers/media/i2c/ov2640.c
// takes 0x2642 alone), and COM7 (0x12) bit 7 resets every register, after
// which ArduCAM waits 100 ms. COM2 (0x09) bit 4 puts the sensor in standby
// (OV2640 datasheet, COM2; Linux ov2640.c COM2_SOFT_SLEEP_MODE), which Halt
// uses.
//
// # Sources
//
//   - github.com/ArduCAM/Arduino, ArduCAM/ArduCAM.h and ArduCAM/ArduCAM.cpp
//     (commit 066a7ea1): ArduChip register addresses and bits, FIFO size,
//     the InitCAM sequence for the OV2640 (reset, then JPEG_INIT, YUV422,
//     JPEG, sensor register 0x15 = 0, a size table; or the QVGA table for
//     RGB565), the sensor's I2C address.
//   - github.com/ArduCAM/Arduino, ArduCAM/ov2640_regs.h (same commit): every
//     register table in tables.go, named there table by table.
//   - github.com/ArduCAM/Arduino, ArduCAM/examples/mini/
//     ArduCAM_Mini_2MP_OV2640_functions: the capture loop (clear flag, start,
//     poll bit 3, read length, burst read, JPEG framed from FF D8 to FF D9,
//     RGB565 high byte first).
//   - OmniVision OV2640 datasheet (Color CMOS UXGA CameraChip, v1.6): bank
//     select, product ID, COM2/COM7 bits, DSP output size (ZMOW 0x5A, ZMOH
//     0x5B, ZMHH 0x5C, in units of 4 pixels) and format (IMAGE_MODE 0xDA:
//     0x10 JPEG, 0x08 RGB565), cross-checked against the register names and
//     bit masks of Linux drivers/media/i2c/ov2640.c.
//   - periph.io/x/devices/v3 lepton: the driver shape (New(spi.Port,
//     i2c.Bus, ...), conn.Limits for the SPI transfer size).
//
// # Testing
//
// Package arducamtest simulates the module (ArduChip registers, FIFO and
// OV2640 banks) behind spi.Port and i2c.Bus, so whole captures run without
// hardware; the tests also replay exact bus traffic with periph's spitest
// and i2ctest.
package arducam
