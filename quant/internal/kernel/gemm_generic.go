package kernel

// gemmGeneric is the Go twin of the assembly kernels and the kernel of
// machines without one: the reference loop, four rows of a at a time so each
// activation byte is loaded once per four multiply-adds.
func gemmGeneric(m, depth int, a []int8, n int, b []uint8, ldb int, c []int32, ldc int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		w0 := a[i*depth : (i+1)*depth]
		w1 := a[(i+1)*depth : (i+2)*depth]
		w2 := a[(i+2)*depth : (i+3)*depth]
		w3 := a[(i+3)*depth : (i+4)*depth]
		for j := 0; j < n; j++ {
			x := b[j*ldb : j*ldb+depth]
			w0, w1, w2, w3 := w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)]
			var s0, s1, s2, s3 int32
			for k, v := range x {
				xv := int32(v)
				s0 += int32(w0[k]) * xv
				s1 += int32(w1[k]) * xv
				s2 += int32(w2[k]) * xv
				s3 += int32(w3[k]) * xv
			}
			c[i*ldc+j] = s0
			c[(i+1)*ldc+j] = s1
			c[(i+2)*ldc+j] = s2
			c[(i+3)*ldc+j] = s3
		}
	}
	for ; i < m; i++ {
		w := a[i*depth : (i+1)*depth]
		for j := 0; j < n; j++ {
			x := b[j*ldb : j*ldb+depth]
			w := w[:len(x)]
			var s int32
			for k, v := range x {
				s += int32(w[k]) * int32(v)
			}
			c[i*ldc+j] = s
		}
	}
}
