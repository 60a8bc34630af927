package dataset

// jpegSize finds the width and height of a JPEG file from its frame header
// without decoding anything, to refuse a non-32x32 file before the decoder
// allocates its planes. jpeg.DecodeConfig would do, but it costs as much as a
// third of decoding a whole 32x32 image; this walk costs almost nothing.
//
// The walk follows image/jpeg's own marker loop (Go's
// src/image/jpeg/reader.go, decoder.decode), so it finds the header that
// decoder will use: the first SOF0, SOF1 or SOF2 segment (the decoder
// rejects a second one, and a scan before it). Marker codes and the frame
// header layout (length, precision, then 16-bit height and width) are from
// ITU-T T.81, table B.1 and section B.2.2. ok is false when the walk does not
// reach a frame header; the decoder then fails as well, and the caller asks
// it for its error message.
func jpegSize(data []byte) (w, h int, ok bool) {
	const (
		sof0, sof2  = 0xc0, 0xc2
		soi, eoi    = 0xd8, 0xd9
		rst0, rst7  = 0xd0, 0xd7
		sos         = 0xda
		dht, dqt    = 0xc4, 0xdb
		dri, com    = 0xdd, 0xfe
		app0, app15 = 0xe0, 0xef
	)
	if len(data) < 2 || data[0] != 0xff || data[1] != soi {
		return 0, 0, false
	}
	p := 2
	for {
		if p+2 > len(data) {
			return 0, 0, false
		}
		a, b := data[p], data[p+1]
		p += 2
		// Extraneous bytes before a marker are skipped, as the decoder does.
		for a != 0xff {
			if p >= len(data) {
				return 0, 0, false
			}
			a, b = b, data[p]
			p++
		}
		marker := b
		if marker == 0 { // "\xff\x00": extraneous data
			continue
		}
		for marker == 0xff { // fill bytes (T.81 B.1.1.2)
			if p >= len(data) {
				return 0, 0, false
			}
			marker = data[p]
			p++
		}
		if marker == eoi || marker == sos {
			return 0, 0, false // no frame header before the image data
		}
		if rst0 <= marker && marker <= rst7 {
			continue
		}
		if p+2 > len(data) {
			return 0, 0, false
		}
		n := int(data[p])<<8 | int(data[p+1]) - 2
		p += 2
		if n < 0 || p+n > len(data) {
			return 0, 0, false
		}
		switch {
		case sof0 <= marker && marker <= sof2:
			if n < 5 {
				return 0, 0, false
			}
			h = int(data[p+1])<<8 | int(data[p+2])
			w = int(data[p+3])<<8 | int(data[p+4])
			return w, h, true
		case marker == dht, marker == dqt, marker == dri, marker == com, app0 <= marker && marker <= app15:
			p += n
		default:
			return 0, 0, false // a marker the decoder rejects
		}
	}
}
