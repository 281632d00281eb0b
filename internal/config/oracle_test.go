package config

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nginxBin is the real nginx the golden files are checked against when it
// is installed (Debian's nginx 1.22.1 package).
const nginxBin = "/usr/sbin/nginx"

var nginxMsg = regexp.MustCompile(`\[(emerg|crit)\] \d+#\d+: (.*)$`)

// nginxVerdict runs `nginx -t` on the case materialised in dir and returns
// its verdict in the golden notation: "LEVEL: MESSAGE" or "ok".
func nginxVerdict(t *testing.T, dir string, c *goldenCase) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := []string{"-t", "-p", dir + "/", "-c", dir + "/nginx.conf"}
	if c.globals != "" {
		args = append(args, "-g", c.globals)
	}
	out, _ := exec.CommandContext(ctx, nginxBin, args...).CombinedOutput()
	out = bytes.ReplaceAll(out, []byte(dir), []byte("$D"))
	for _, line := range strings.Split(string(out), "\n") {
		if m := nginxMsg.FindStringSubmatch(line); m != nil {
			return m[1] + ": " + m[2]
		}
	}
	if bytes.Contains(out, []byte("test is successful")) {
		return "ok"
	}
	t.Fatalf("cannot read nginx's verdict:\n%s", out)
	return ""
}

// TestOracle checks every golden case that is not marked weir-only against
// the real nginx: an error case must give nginx's message at nginx's
// position, a dump case must pass nginx -t.
func TestOracle(t *testing.T) {
	if _, err := os.Stat(nginxBin); err != nil {
		t.Skip("nginx is not installed")
	}
	for _, path := range goldenFiles(t) {
		c, err := readGolden(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Run(c.name, func(t *testing.T) {
			if c.weirOnly != "" {
				t.Skip("weir-only: " + c.weirOnly)
			}
			if c.needsRoot && os.Geteuid() != 0 {
				t.Skip("needs root")
			}
			dir := c.materialise(t)
			got := nginxVerdict(t, dir, c)
			want := "ok"
			if c.isError() {
				want = c.want
			}
			if got != want {
				t.Errorf("%s:\nnginx: %s\nwant:  %s", c.path, got, want)
			}
		})
	}
}
