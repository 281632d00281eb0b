package static

import "testing"

func TestMatchETag(t *testing.T) {
	const e = `"65e6b68c-14"`
	tests := []struct {
		name string
		list string
		etag string
		weak bool
		want bool
	}{
		{"exact", e, e, false, true},
		{"star", "*", e, false, true},
		{"star without etag", "*", "", false, true},
		{"no etag", e, "", true, false},
		{"other", `"x"`, e, false, false},
		{"in list", `"a", ` + e + `, "b"`, e, false, true},
		{"last in list", `"a",` + e, e, false, true},
		{"trailing blanks", e + " \t", e, false, true},
		{"prefix only", e[:len(e)-1], e, false, false},
		{"longer entry", `"65e6b68c-14x"`, e, false, false},
		{"weak entry strong compare", "W/" + e, e, false, false},
		{"weak entry weak compare", "W/" + e, e, true, true},
		{"weak etag weak compare", e, "W/" + e, true, true},
		{"star in list", `"a", *`, e, false, false},
		{"empty", "", e, true, false},
		{"blanks and commas", ` , ,` + e, e, true, true},
		{"leading blank entry", ` ` + e, e, true, false},
		{"commas then entry", `,,` + e, e, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matchETag(tc.list, tc.etag, tc.weak); got != tc.want {
				t.Errorf("matchETag(%q, %q, %v) = %v", tc.list, tc.etag, tc.weak, got)
			}
		})
	}
}

func TestETag(t *testing.T) {
	for _, tc := range []struct {
		mtime, size int64
		want        string
	}{
		{1709618828, 20, `"65e6b68c-14"`},
		{1709618828, 0, `"65e6b68c-0"`},
		{0, 1 << 40, `"0-10000000000"`},
		{-1, 5, `"-1-5"`},
	} {
		for i := 0; i < 2; i++ { // the second call comes from the cache
			if got := ETag(tc.mtime, tc.size); got != tc.want {
				t.Errorf("ETag(%d, %d) = %s, want %s", tc.mtime, tc.size, got, tc.want)
			}
		}
	}
}

func TestIfModified(t *testing.T) {
	const lm = 1709618828
	for _, tc := range []struct {
		v    string
		mode IMS
		want bool
	}{
		{"Tue, 05 Mar 2024 06:07:08 GMT", IMSExact, false},
		{"Tue, 05 Mar 2024 06:07:09 GMT", IMSExact, true},
		{"Tue, 05 Mar 2024 06:07:07 GMT", IMSExact, true},
		{"Tue, 05 Mar 2024 06:07:09 GMT", IMSBefore, false},
		{"Tue, 05 Mar 2024 06:07:07 GMT", IMSBefore, true},
		{"garbage", IMSBefore, true},
		{"Tue, 05 Mar 2024 06:07:08 GMT", IMSOff, true},
	} {
		if got := ifModified(tc.v, lm, tc.mode); got != tc.want {
			t.Errorf("ifModified(%q, %d) = %v", tc.v, tc.mode, got)
		}
	}
}
