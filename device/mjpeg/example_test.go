package mjpeg_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log"

	"github.com/edgecache/edgecache/device/mjpeg"
)

// A recorded stream (two frames, bytes between them, a third frame cut
// short) read frame by frame, as the firmware's mjpeg:FILE camera does.
func ExampleReader() {
	var stream bytes.Buffer
	for i, size := range []int{32, 64, 48} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, size, size)), nil); err != nil {
			log.Fatal(err)
		}
		if i == 2 {
			b.Truncate(b.Len() / 2)
		}
		stream.Write(b.Bytes())
		stream.WriteString("--boundary\r\n")
	}
	r := mjpeg.NewReader(&stream, 0)
	for {
		frame, err := r.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, mjpeg.ErrCut) {
			fmt.Println("cut frame dropped")
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(frame))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("frame", img.Bounds().Size())
	}
	// Output:
	// frame (32,32)
	// frame (64,64)
	// cut frame dropped
}
