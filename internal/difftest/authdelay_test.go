package difftest

import "testing"

// TestAuthDelay covers auth_delay (nginx 1.17.10): a 401 from the access
// phase waits the delay, logged "delaying unauthorized request" at info;
// an allowed request and a 403 do not wait.
func TestAuthDelay(t *testing.T) {
	runSite(t, &site{
		http: authServer + `
        auth_delay 100ms;
        location /a/ { auth_basic "r"; alias {{ROOT}}/s/; }
        location /d/ { deny all; alias {{ROOT}}/s/; }
        location /any/ { satisfy any; deny all; auth_basic "r"; alias {{ROOT}}/s/; }
    }`,
		files: map[string]string{"htpasswd": htpasswd, "s/f.txt": "file\n"},
		cases: []tc{
			get("no credentials", "/a/f.txt"),
			get("wrong password", "/a/f.txt", basic("plain:wrong")),
			get("right password", "/a/f.txt", basic("plain:secret")),
			get("403 is not delayed", "/d/f.txt"),
			get("satisfy any: the 401 waits", "/any/f.txt"),
		},
	})
}
