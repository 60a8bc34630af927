package onnx

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func it(dims []int, v ...int64) *tensor   { return &tensor{dims: dims, isInt: true, i: v} }
func ft(dims []int, v ...float32) *tensor { return &tensor{dims: dims, f: v} }

func ia(name string, v ...int64) *attribute { return &attribute{name: name, typ: attrInts, ints: v} }
func i1(name string, v int64) *attribute    { return &attribute{name: name, typ: attrInt, i: v} }

// TestEvalOp checks the constant folder on the examples of the ONNX operator
// documentation (onnx/docs/Operators.md) and on the shape arithmetic that
// torch.onnx.export writes for F.pad.
func TestEvalOp(t *testing.T) {
	mat := it([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, tc := range []struct {
		name  string
		op    string
		attrs []*attribute
		in    []*tensor
		want  *tensor
		err   string
	}{
		{"slice reverse (torch's pads flip)", "Slice", nil,
			[]*tensor{it([]int{4, 2}, 0, 8, 0, 0, 0, 0, 8, 0), it([]int{1}, -1), it([]int{1}, math.MinInt64+1), it([]int{1}, 0), it([]int{1}, -1)},
			it([]int{4, 2}, 8, 0, 0, 0, 0, 0, 0, 8), ""},
		{"slice steps", "Slice", nil,
			[]*tensor{mat, it([]int{2}, 0, 1), it([]int{2}, 2, 1000), it([]int{2}, 0, 1), it([]int{2}, 1, 2)},
			it([]int{2, 1}, 2, 5), ""},
		{"slice opset 1 attributes", "Slice", []*attribute{ia("starts", 1), ia("ends", 3), ia("axes", 1)},
			[]*tensor{mat}, it([]int{2, 2}, 2, 3, 5, 6), ""},
		{"slice step 0", "Slice", nil, []*tensor{mat, it([]int{1}, 0), it([]int{1}, 1), nil, it([]int{1}, 0)}, nil, "step 0"},
		{"transpose", "Transpose", []*attribute{ia("perm", 1, 0)}, []*tensor{mat}, it([]int{3, 2}, 1, 4, 2, 5, 3, 6), ""},
		{"transpose default reverses", "Transpose", nil, []*tensor{mat}, it([]int{3, 2}, 1, 4, 2, 5, 3, 6), ""},
		{"transpose bad perm", "Transpose", []*attribute{ia("perm", 0, 0)}, []*tensor{mat}, nil, "not a permutation"},
		{"concat axis 0", "Concat", []*attribute{i1("axis", 0)}, []*tensor{it([]int{2}, 1, 2), it([]int{1}, 3)}, it([]int{3}, 1, 2, 3), ""},
		{"concat axis -1", "Concat", []*attribute{i1("axis", -1)}, []*tensor{mat, it([]int{2, 1}, 7, 8)},
			it([]int{2, 4}, 1, 2, 3, 7, 4, 5, 6, 8), ""},
		{"concat mismatch", "Concat", []*attribute{i1("axis", 0)}, []*tensor{mat, it([]int{1, 2}, 7, 8)}, nil, "does not match"},
		{"reshape 0 and -1", "Reshape", nil, []*tensor{mat, it([]int{2}, 0, -1)}, it([]int{2, 3}, 1, 2, 3, 4, 5, 6), ""},
		{"reshape flat", "Reshape", nil, []*tensor{mat, it([]int{1}, -1)}, it([]int{6}, 1, 2, 3, 4, 5, 6), ""},
		{"reshape bad count", "Reshape", nil, []*tensor{mat, it([]int{1}, 4)}, nil, "cannot reshape 6 values"},
		{"squeeze axes input", "Squeeze", nil, []*tensor{it([]int{1, 2, 1}, 4, 5), it([]int{1}, 0)}, it([]int{2, 1}, 4, 5), ""},
		{"squeeze all", "Squeeze", nil, []*tensor{it([]int{1, 2, 1}, 4, 5)}, it([]int{2}, 4, 5), ""},
		{"squeeze non-1", "Squeeze", []*attribute{ia("axes", 1)}, []*tensor{it([]int{1, 2, 1}, 4, 5)}, nil, "cannot squeeze"},
		{"unsqueeze", "Unsqueeze", []*attribute{ia("axes", 0, -1)}, []*tensor{it([]int{2}, 4, 5)}, it([]int{1, 2, 1}, 4, 5), ""},
		{"cast float to int truncates", "Cast", []*attribute{i1("to", typeInt64)}, []*tensor{ft([]int{2}, 2.7, -2.7)}, it([]int{2}, 2, -2), ""},
		{"cast to int32 wraps", "Cast", []*attribute{i1("to", typeInt32)}, []*tensor{it([]int{1}, 1<<32+5)}, it([]int{1}, 5), ""},
		{"cast NaN", "Cast", []*attribute{i1("to", typeInt64)}, []*tensor{ft(nil, float32(math.NaN()))}, nil, "cannot cast"},
		{"constant of shape default", "ConstantOfShape", nil, []*tensor{it([]int{2}, 2, 1)}, ft([]int{2, 1}, 0, 0), ""},
		{"constant of shape huge", "ConstantOfShape", nil, []*tensor{it([]int{2}, 1<<20, 1<<20)}, nil, "more than 2147483647 elements"},
		{"constant of shape large", "ConstantOfShape", nil, []*tensor{it([]int{2}, 1<<12, 1<<11)}, nil, "too large for a constant"},
		{"shape", "Shape", nil, []*tensor{mat}, it([]int{2}, 2, 3), ""},
		{"shape start end", "Shape", []*attribute{i1("start", -1)}, []*tensor{mat}, it([]int{1}, 3), ""},
		{"gather scalar index", "Gather", nil, []*tensor{it([]int{3}, 7, 8, 9), it(nil, -1)}, it(nil, 9), ""},
		{"gather rows", "Gather", []*attribute{i1("axis", 1)}, []*tensor{mat, it([]int{2}, 2, 0)}, it([]int{2, 2}, 3, 1, 6, 4), ""},
		{"gather out of range", "Gather", nil, []*tensor{mat, it(nil, 2)}, nil, "out of range"},
		{"sub broadcast", "Sub", nil, []*tensor{it(nil, 8), it([]int{2}, 1, 2)}, it([]int{2}, 7, 6), ""},
		{"mul float", "Mul", nil, []*tensor{ft([]int{2}, 1.5, 2), ft([]int{2}, 2, 0.25)}, ft([]int{2}, 3, 0.5), ""},
		{"add shapes", "Add", nil, []*tensor{mat, it([]int{3}, 1, 2, 3)}, nil, "not supported"},
		{"add batch size", "Add", nil, []*tensor{it([]int{1}, batchDim), it(nil, 1)}, nil, "batch size"},
		{"missing input", "Reshape", nil, []*tensor{mat}, nil, "missing input 1"},
	} {
		nd := &nodeProto{name: tc.name, opType: tc.op, attrs: tc.attrs, inputs: make([]string, len(tc.in)), outputs: []string{"y"}}
		for k := range nd.inputs {
			nd.inputs[k] = "x"
		}
		budget := maxFolded
		got, err := evalConst(nd, tc.in, &budget)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(got.dims, tc.want.dims) || got.isInt != tc.want.isInt || !slices.Equal(got.i, tc.want.i) || !slices.Equal(got.f, tc.want.f) {
			t.Errorf("%s: got %v %v%v, want %v %v%v", tc.name, got.dims, got.i, got.f, tc.want.dims, tc.want.i, tc.want.f)
		}
	}
}

// TestFoldBudget checks that a chain of doubling Concats is stopped.
func TestFoldBudget(t *testing.T) {
	x := &tensor{dims: []int{1 << 20}, isInt: true, i: make([]int64, 1<<20)}
	nd := &nodeProto{name: "cat", opType: "Concat", attrs: []*attribute{i1("axis", 0)}, inputs: []string{"a", "a"}}
	budget := maxFolded
	var err error
	for range 8 {
		if x, err = evalConst(nd, []*tensor{x, x}, &budget); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "grows past") && !strings.Contains(err.Error(), "too large") {
		t.Errorf("got %v, want the fold budget to stop the chain", err)
	}
}
