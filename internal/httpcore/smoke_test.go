package httpcore

import (
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h)
	resp, closed := exchange(t, addr, "GET /a/b?x=1 HTTP/1.1\r\nHost: Foo.com:80\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 300*time.Millisecond)
	t.Logf("%s closed=%v errs=%v", resp, closed, h.errLog())
}
