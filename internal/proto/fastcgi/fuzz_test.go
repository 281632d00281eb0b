package fastcgi

import (
	"reflect"
	"testing"
)

// FuzzResponse checks that the head parser and the record decoder never
// panic and that what they yield does not depend on how the bytes
// arrive.
func FuzzResponse(f *testing.F) {
	for _, tc := range headCases {
		f.Add([]byte(tc.in), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole := run(string(in), nil, 1024)
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			if split := run(string(in), sizes, 1024); !reflect.DeepEqual(split, whole) {
				t.Fatalf("split %v:\n%+v\nwhole:\n%+v", sizes, split, whole)
			}
		}
	})
}
