package httpd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProxyStoreSlowClient: an answer proxy_store saves goes to a slow
// client through the temp file without nginx's "buffered to a temporary
// file" warning (its event pipe's temp file is the store's,
// p->cacheable), and is stored whole; a client that stops reading and
// leaves does not stop the store.
func TestProxyStoreSlowClient(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, `events {} http {
	error_log logs/warn.log info;
	server { listen 127.0.0.1:{{PORT}};
		location / { proxy_pass http://{{A}}; proxy_store on; root stored; }
	} }`, map[string]string{"A": be.addr})
	res := slowGet(t, addr, "/big", nil, 0)
	if res.err != nil || !bytes.Equal(res.body, bigBody) {
		t.Fatalf("%d body bytes (want %d), %v", len(res.body), len(bigBody), res.err)
	}
	slowGet(t, addr, "/chunked", nil, 64<<10)
	for _, name := range []string{"big", "chunked"} {
		p := filepath.Join(dir, "stored", name)
		if !waitUntil(func() bool { b, _ := os.ReadFile(p); return bytes.Equal(b, bigBody) }) {
			fi, err := os.Stat(p)
			t.Errorf("%s not stored whole: %v %v", name, fi, err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if elog := readLog(t, dir, "warn.log"); strings.Contains(elog, "temporary file") {
		t.Errorf("error log:\n%s", elog)
	}
}
