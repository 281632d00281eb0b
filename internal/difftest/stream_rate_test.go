package difftest

import (
	"testing"
	"time"
)

// Stream module, proxy_upload_rate and proxy_download_rate with
// variables (ngx_stream_set_complex_value_size_slot): the value is taken
// as a size once the upstream is connected; one that is not a size is
// logged ("invalid size") and means no limit.
func TestStreamRateVariables(t *testing.T) {
	st := streamSite(`
    log_format s '$remote_addr $status $bytes_sent $bytes_received "$upstream_addr"';
    access_log logs/access.log s;
    map $server_port $big { default 1m; }
    server { listen {{B3}}; set $r 512k; proxy_upload_rate $r; proxy_download_rate $big; proxy_pass {{B0}}; }
    server { listen {{B4}}; set $r bogus; proxy_download_rate $r; proxy_upload_rate ${r}x; proxy_pass {{B0}}; }
`)
	runStream(t, st, []streamCase{
		{name: "rates from variables", listen: 0, send: "hello", closeWrite: true, wait: 300 * time.Millisecond},
		{name: "not a size: logged, no limit", listen: 1, send: "hello", closeWrite: true, wait: 300 * time.Millisecond},
	})
}
