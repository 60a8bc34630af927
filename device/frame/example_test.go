package frame_test

import (
	"fmt"
	"image"
	"image/color"

	"github.com/edgecache/edgecache/device"
	"github.com/edgecache/edgecache/device/frame"
)

// A board's loop: one Converter, one pixel buffer, every frame of a source
// through them (here a single 320x240 RGB565 frame, as an OV2640 sends it).
func Example() {
	c, err := frame.New(nil) // 32x32 from the centred largest square
	if err != nil {
		panic(err)
	}
	pixels := make([]float32, c.Len()) // 3x32x32: what model.Runner.Run and quant.Runner.Run take
	data := make([]byte, 320*240*2)
	for i := 0; i < len(data); i += 2 {
		data[i], data[i+1] = 0xf8, 0x00 // pure red
	}
	f := device.Frame{Data: data, Format: device.RGB565BE, Width: 320, Height: 240}
	if err := c.Pixels(pixels, f); err != nil {
		fmt.Println(err) // a bad frame: report it and go on to the next
		return
	}
	fmt.Println(pixels[0], pixels[1024], pixels[2048])
	// Output: 1 0 0
}

// A region other than the centred square, as a flag would give it.
func ExampleParseROI() {
	roi, err := frame.ParseROI("0.0,0.0,0.5,1.0") // the left half, stretched to a square
	if err != nil {
		panic(err)
	}
	c, _ := frame.New(&frame.Opts{ROI: roi})
	img := image.NewGray(image.Rect(0, 0, 64, 32))
	for x := 32; x < 64; x++ {
		for y := range 32 {
			img.SetGray(x, y, color.Gray{255}) // the right half is white
		}
	}
	pixels := make([]float32, c.Len())
	_ = c.Pixels(pixels, device.Frame{Image: img})
	fmt.Println(roi, pixels[31]) // the left half's right edge: still black
	// Output: 0.0,0.0,0.5,1.0 0
}
