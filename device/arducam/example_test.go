package arducam_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"log"
	"os"

	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/arducam"
	"github.com/edgecache/edgecache/device/arducam/arducamtest"
)

// On a Raspberry Pi: the module on SPI0 CE0 and I2C1. This example needs
// the hardware, so it has no Output line and only compiles under go test.
func Example() {
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	p, err := spireg.Open("") // the first SPI port: /dev/spidev0.0
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	b, err := i2creg.Open("") // the first I2C bus: /dev/i2c-1
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	opts := arducam.DefaultOpts
	opts.Size = image.Pt(640, 480)
	cam, err := arducam.New(p, b, &opts)
	if err != nil {
		log.Fatal(err)
	}
	defer cam.Close()

	f, err := cam.Next(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("frame.jpg", f.Data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cam, len(f.Data), "bytes")
}

// Without hardware: the simulated module captures a picture you give it.
func Example_simulated() {
	pic := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range pic.Pix {
		pic.Pix[i] = color.Gray{uint8(i)}.Y
	}
	sim := arducamtest.New(pic)
	opts := arducam.DefaultOpts
	opts.Format = device.RGB565BE
	cam, err := arducam.New(sim.SPI(), sim.I2C(), &opts)
	if err != nil {
		log.Fatal(err)
	}
	defer cam.Close()
	f, err := cam.Next(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Format, f.Width, f.Height, len(f.Data))
	// Output: rgb565be 320 240 153600
}
