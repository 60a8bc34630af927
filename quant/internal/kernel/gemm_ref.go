package kernel

// gemmRef is the specification: the plain triple loop.
func gemmRef(m, depth int, a []int8, n int, b []uint8, ldb int, c []int32, ldc int) {
	for i := 0; i < m; i++ {
		w := a[i*depth : (i+1)*depth]
		for j := 0; j < n; j++ {
			x := b[j*ldb : j*ldb+depth]
			var sum int32
			for k, v := range w {
				sum += int32(v) * int32(x[k])
			}
			c[i*ldc+j] = sum
		}
	}
}
