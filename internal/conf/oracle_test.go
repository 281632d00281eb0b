package conf

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

// nginxBin is the real nginx the tests compare against when it is
// installed (Debian's package: nginx 1.22.1, whose configuration reader is
// the current one).
const nginxBin = "/usr/sbin/nginx"

var nginxMsg = regexp.MustCompile(`\[(emerg|crit)\] (?:\d+#\d+: )?(.*)$`)

// haveNginx reports whether the oracle can run.
func haveNginx() bool {
	_, err := os.Stat(nginxBin)
	return err == nil
}

// nginxTest runs `nginx -t` on dir/nginx.conf (with -g param when it is
// not empty) and returns what it concluded in the tests' notation: "ok",
// or "emerg: MSG" / "crit: MSG" with dir replaced by $D.
func nginxTest(t *testing.T, dir, param string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := []string{"-t", "-c", dir + "/nginx.conf", "-p", dir + "/"}
	if param != "" {
		args = append(args, "-g", param)
	}
	out, _ := exec.CommandContext(ctx, nginxBin, args...).CombinedOutput()
	out = bytes.ReplaceAll(out, []byte(dir), []byte("$D"))
	for _, line := range strings.Split(string(out), "\n") {
		if m := nginxMsg.FindStringSubmatch(line); m != nil {
			return m[1] + ": " + m[2]
		}
	}
	if strings.Contains(string(out), "test is successful") {
		return "ok"
	}
	t.Fatalf("cannot read nginx's verdict:\n%s", out)
	return ""
}

// verdict renders a parse result in the notation nginxTest uses.
func verdict(err error) string {
	if err == nil {
		return "ok"
	}
	e := err.(*Error)
	level := e.Level
	if level == "" {
		level = "emerg"
	}
	return level + ": " + e.Error()
}
