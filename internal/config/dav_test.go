package config

import (
	"testing"

	"weir/internal/conf"
)

// TestParseAccess pins ngx_conf_set_access_slot's modes: the owner keeps
// read and write unless a user: word is given.
func TestParseAccess(t *testing.T) {
	for _, c := range []struct {
		args []string
		mode uint32
		bad  bool
	}{
		{args: []string{"user:rw"}, mode: 0o600},
		{args: []string{"user:r"}, mode: 0o400},
		{args: []string{"group:r"}, mode: 0o640},
		{args: []string{"all:r"}, mode: 0o604},
		{args: []string{"group:rw", "all:r"}, mode: 0o664},
		{args: []string{"user:r", "group:r", "all:r"}, mode: 0o444},
		{args: []string{"user:rwx"}, bad: true},
		{args: []string{"other:r"}, bad: true},
		{args: []string{"user"}, bad: true},
	} {
		mode, err := parseAccess(&conf.Stmt{Name: "dav_access", Args: c.args})
		if (err != nil) != c.bad || !c.bad && mode != c.mode {
			t.Errorf("%v: got %o, %v", c.args, mode, err)
		}
	}
}

// TestDavHandles checks that "off" (nginx's bit of GET) turns no method
// on, and that the listed methods are handled.
func TestDavHandles(t *testing.T) {
	d := DavLoc{Methods: Def(DavOff | DavPut | DavMove)}
	for m, want := range map[string]bool{"PUT": true, "MOVE": true, "GET": false, "DELETE": false, "COPY": false, "put": false} {
		if got := d.Handles(m); got != want {
			t.Errorf("Handles(%s) = %v", m, got)
		}
	}
	if (&DavLoc{}).FileAccess() != 0o600 {
		t.Error("dav_access does not default to user:rw")
	}
}
