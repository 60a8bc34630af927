package dataset

import "github.com/edgecache/edgecache/model"

// Flip writes the horizontal mirror image of src into dst, both one CHW
// image of model.InputLen values. dst may be src (flipped in place). The
// cache paper stores every training image and its flip.
func Flip(dst, src []float32) {
	const n = model.InputSize
	_, _ = dst[model.InputLen-1], src[model.InputLen-1] // one bounds check for all
	for row := 0; row < model.InputLen; row += n {
		d, s := dst[row:row+n], src[row:row+n]
		for x := range n / 2 {
			d[x], d[n-1-x] = s[n-1-x], s[x]
		}
	}
}
