package config

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSubrequestSettings checks the inheritance of auth_request,
// auth_request_set, mirror and mirror_request_body: each level without
// the directive takes its parent's, mirrors accumulate within a level,
// and off clears what the parent set.
func TestSubrequestSettings(t *testing.T) {
	dir := t.TempDir()
	text := `events {}
http {
    auth_request /auth;
    auth_request_set $user $upstream_http_x_user;
    mirror /m1;
    mirror /m2;
    server {
        listen 127.0.0.1:47081;
        location /in/ { }
        location /off/ { auth_request off; mirror off; mirror_request_body off; auth_request_set $args "a=$status"; }
        location = /auth { internal; return 204; }
    }
}
`
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{Prefix: dir + "/", ConfFile: dir + "/nginx.conf"})
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string) *Loc {
		for _, l := range cfg.HTTP.Servers[0].Locations.Static {
			if l.Name == name {
				return l.Loc
			}
		}
		t.Fatalf("no location %s", name)
		return nil
	}
	in, off := find("/in/").Subreq, find("/off/").Subreq
	if in.AuthRequest.V != "/auth" || !slices.Equal(in.Mirror.V, []string{"/m1", "/m2"}) || in.MirrorBody.Set {
		t.Errorf("inherited: %+v", in)
	}
	if len(in.AuthSet.V) != 1 || in.AuthSet.V[0].Name != "user" {
		t.Errorf("inherited auth_request_set: %+v", in.AuthSet.V)
	}
	if off.AuthRequest.V != "" || !off.AuthRequest.Set || off.Mirror.V != nil || !off.Mirror.Set || off.MirrorBody.V {
		t.Errorf("off: %+v", off)
	}
	if len(off.AuthSet.V) != 1 || off.AuthSet.V[0].Name != "args" {
		t.Errorf("own auth_request_set: %+v", off.AuthSet.V)
	}
	slot, ok := cfg.HTTP.Vars.Slot("user")
	if !ok || !cfg.HTTP.Vars.Captured(slot) {
		t.Errorf("$user should read as not found until set")
	}
}
