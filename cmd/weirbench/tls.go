package main

import (
	"bufio"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	hsClients = flag.Int("hs-clients", 32, "tls mode: concurrent clients of the handshake test")
	h2Conns   = flag.Int("h2-conns", 64, "tls mode: h2load connections")
	h2Streams = flag.Int("h2-streams", 10, "tls mode: h2load concurrent streams per connection")
	h2loadBin = flag.String("h2load", "/usr/bin/h2load", "tls mode: h2load binary (the HTTP/2 part is skipped when absent)")
	tlsParts  = flag.String("tls-parts", "handshake,https,h2", "tls mode: the parts to run")
)

// hsPerClient bounds the connections of one handshake client in one run.
const hsPerClient = 1_000_000

// keyTypes are the certificates of the TLS mode, one port each.
var keyTypes = []string{"ECDSA P-256", "RSA 2048"}

// tlsBench runs nginx and weir as TLS terminating proxies in front of
// the proxy mode's backend and measures full handshakes (each with one
// small request), keep-alive HTTPS (wrk) and HTTP/2 (h2load).
func tlsBench(weirBin, nginxBin string, workers int, conns string, dur time.Duration, rounds int) {
	r := newRig(nginxBin, "tls")
	defer r.close()
	certs := makeCerts(r)

	// per server: a port per key type (HTTP/1.1) and one with http2
	// (ECDSA); no session tickets, no session cache: every handshake is
	// a full one.
	addrs := map[string]map[string]string{}
	r.startProxies(weirBin, nginxBin, workers, func(name string) (string, []string) {
		a := map[string]string{}
		var blocks strings.Builder
		block := func(key, listen string, c certFiles) {
			port := uniquePort()
			a[key] = fmt.Sprintf("127.0.0.1:%d", port)
			fmt.Fprintf(&blocks, `    server {
        listen 127.0.0.1:%d %s;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        ssl_session_cache off;
        location = /hs { return 200 "ok\n"; }
%s    }
`, port, listen, c.cert, c.key, proxyLocation)
		}
		for _, k := range keyTypes {
			block(k, "ssl", certs[k])
		}
		block("h2", "ssl http2", certs[keyTypes[0]])
		addrs[name] = a
		var wait []string
		for _, v := range a {
			wait = append(wait, v)
		}
		return blocks.String(), wait
	})
	b := &tlsRun{rig: r, addrs: addrs, dur: dur, rounds: rounds}

	fmt.Printf("load average before: %s", loadavg())
	tlsProbe(r, addrs, certs)
	for _, part := range strings.Split(*tlsParts, ",") {
		switch part {
		case "handshake":
			b.handshakes(certs)
		case "https":
			b.https(strings.Split(conns, ","))
		case "h2":
			b.h2()
		default:
			fmt.Fprintf(os.Stderr, "weirbench: no part %q in -tls-parts\n", part)
			continue
		}
		fmt.Printf("load average: %s", loadavg())
		b.errorLogs()
	}
}

// tlsRun is the TLS mode's state between its parts.
type tlsRun struct {
	*rig
	addrs  map[string]map[string]string // server name, then key type or "h2"
	dur    time.Duration
	rounds int
}

// handshakes is part 1: full handshakes, each with one small request,
// from Go clients in this process (identical for both servers).
func (b *tlsRun) handshakes(certs map[string]certFiles) {
	fmt.Printf("\n### Full TLS handshakes (%d Go clients in weirbench, one GET /hs per connection, no resumption), %s runs, median of %d rounds\n\n",
		*hsClients, b.dur, b.rounds)
	t := newTable("server", "cert", "TLS", "handshakes/s", "rounds", "p50", "p99", "server CPU/hs", "client CPU/hs", "other load", "errors (all rounds)")
	for _, k := range keyTypes {
		for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
			cfg := clientConfig(certs[k].pool, v)
			got := interleave(b.rounds, b.servers, func(s *benchServer) sample {
				return b.measure(s, func() sample { return handshakeLoad(b.addrs[s.name][k], cfg, *hsClients, b.dur) })
			})
			for _, s := range b.servers {
				m := medianSample(got[s.name])
				t.row(s.name, k, tls.VersionName(v), f0(m.rate), spread(got[s.name]), ms(m.p50), ms(m.p99),
					us(m.cpu), us(m.client), cores(m.other), strconv.FormatInt(m.errs, 10))
			}
		}
	}
	t.print()
}

// https is part 2: keep-alive HTTPS/1.1 through the proxy (wrk, which
// uses OpenSSL).
func (b *tlsRun) https(conns []string) {
	fmt.Printf("\n### Proxied requests over keep-alive HTTPS/1.1 (wrk -t2, ECDSA, TLS 1.3), %s runs, median of %d rounds\n\n", b.dur, b.rounds)
	t := newTable("server", "body", "conns", "req/s", "rounds", "p50", "p99", "server CPU/req", "wrk CPU/req", "other load", "RSS", "upstream conns/run", "errors (all rounds)")
	for _, size := range []string{"64", "16k"} {
		for _, c := range conns {
			got := interleave(b.rounds, b.servers, func(s *benchServer) sample {
				return b.measure(s, func() sample { return wrkLatency("https://"+b.addrs[s.name][keyTypes[0]]+"/"+size, c, b.dur) })
			})
			b.proxyRows(t, got, size, c)
		}
	}
	t.print()
}

// h2 is part 3: HTTP/2 through the proxy (h2load, OpenSSL).
func (b *tlsRun) h2() {
	if _, err := os.Stat(*h2loadBin); err != nil {
		fmt.Printf("\nHTTP/2: skipped, no h2load (%v; Debian package nghttp2-client)\n", err)
		return
	}
	fmt.Printf("\n### Proxied requests over HTTP/2 (h2load -t2 -c %d -m %d, ECDSA, TLS 1.3), %s runs, median of %d rounds\n\n",
		*h2Conns, *h2Streams, b.dur, b.rounds)
	t := newTable("server", "body", "conns×streams", "req/s", "rounds", "p50", "p99", "server CPU/req", "h2load CPU/req", "other load", "RSS", "upstream conns/run", "errors (all rounds)")
	for _, size := range []string{"64", "16k"} {
		got := interleave(b.rounds, b.servers, func(s *benchServer) sample {
			return b.measure(s, func() sample {
				return h2load("https://"+b.addrs[s.name]["h2"]+"/"+size, *h2Conns, *h2Streams, b.dur, filepath.Join(b.dir, "h2load.log"))
			})
		})
		b.proxyRows(t, got, size, fmt.Sprintf("%d×%d", *h2Conns, *h2Streams))
	}
	t.print()
	fmt.Println()
	for _, s := range b.servers {
		fmt.Printf("h2load to %s negotiated %s\n", s.name, h2Negotiated[b.addrs[s.name]["h2"]])
	}
}

// proxyRows adds each server's medians to a table of parts 2 and 3.
func (b *tlsRun) proxyRows(t *table, got map[string][]sample, size, conns string) {
	for _, s := range b.servers {
		m := medianSample(got[s.name])
		t.row(s.name, size, conns, f0(m.rate), spread(got[s.name]), ms(m.p50), ms(m.p99), us(m.cpu), us(m.client),
			cores(m.other), mib(m.rss), strconv.FormatInt(m.upstream, 10), strconv.FormatInt(m.errs, 10))
	}
}

// certFiles are one key type's server certificate and key, and the CA
// that signed it.
type certFiles struct {
	cert, key string
	pool      *x509.CertPool
}

// makeCerts writes a self-signed CA and a server certificate for
// "bench" and 127.0.0.1 per key type into the rig's directory.
func makeCerts(r *rig) map[string]certFiles {
	out := map[string]certFiles{}
	for i, k := range keyTypes {
		newKey := func() crypto.Signer {
			if strings.HasPrefix(k, "ECDSA") {
				key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				r.fail(err)
				return key
			}
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			r.fail(err)
			return key
		}
		now := time.Now()
		caKey := newKey()
		ca := &x509.Certificate{
			SerialNumber:          big.NewInt(int64(2*i + 1)),
			Subject:               pkix.Name{CommonName: "weirbench CA " + k},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(7 * 24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
		r.fail(err)
		ca, err = x509.ParseCertificate(caDER)
		r.fail(err)
		key := newKey()
		usage := x509.KeyUsageDigitalSignature
		if strings.HasPrefix(k, "RSA") {
			usage |= x509.KeyUsageKeyEncipherment
		}
		leaf := &x509.Certificate{
			SerialNumber: big.NewInt(int64(2*i + 2)),
			Subject:      pkix.Name{CommonName: "bench"},
			DNSNames:     []string{"bench"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(7 * 24 * time.Hour),
			KeyUsage:     usage,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, key.Public(), caKey)
		r.fail(err)
		pk, err := x509.MarshalPKCS8PrivateKey(key)
		r.fail(err)
		name := strings.ToLower(strings.Fields(k)[0])
		f := certFiles{cert: filepath.Join(r.dir, name+".crt"), key: filepath.Join(r.dir, name+".key"), pool: x509.NewCertPool()}
		r.fail(os.WriteFile(f.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
		r.fail(os.WriteFile(f.key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600))
		f.pool.AddCert(ca)
		out[k] = f
	}
	return out
}

// clientConfig is the handshake test's client: it verifies the chain,
// keeps no sessions (every handshake is full) and offers X25519 (the key
// share) and P-256 (which OpenSSL wants listed for an ECDSA P-256
// certificate in TLS 1.2): Go's default would put X25519MLKEM768 first,
// which weir would take and nginx 1.22 with OpenSSL 3.0 does not know.
func clientConfig(roots *x509.CertPool, version uint16) *tls.Config {
	return &tls.Config{
		RootCAs:            roots,
		ServerName:         "bench",
		MinVersion:         version,
		MaxVersion:         version,
		CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256},
		ClientSessionCache: nil,
	}
}

var hsRequest = []byte("GET /hs HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")

// tlsGet connects, makes one request for path and returns the
// connection's state and the answer's body.
func tlsGet(addr string, cfg *tls.Config, path string) (tls.ConnectionState, []byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return tls.ConnectionState{}, nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(c, cfg)
	req := hsRequest
	if path != "/hs" {
		req = []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
	}
	if _, err := tc.Write(req); err != nil {
		return tls.ConnectionState{}, nil, err
	}
	br := bufio.NewReader(tc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return tc.ConnectionState(), nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	// wait for the server to close (Connection: close), so that the
	// TIME_WAIT is on its side and the client's ephemeral ports stay free
	_, _ = io.Copy(io.Discard, io.LimitReader(br, 4096))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", path, resp.Status)
	}
	return tc.ConnectionState(), body, err
}

// handshakeLoad runs clients goroutines that each connect, handshake,
// GET /hs and close, until d has passed; it reports the connections per
// second, their latency (connect to the end of the answer) and the CPU
// this process used meanwhile.
func handshakeLoad(addr string, cfg *tls.Config, clients int, d time.Duration) sample {
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	deadline := start.Add(d)
	lats := make([][]time.Duration, clients)
	errs := make([]int64, clients)
	var first sync.Once
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for j := 0; j < hsPerClient && time.Now().Before(deadline); j++ {
				t := time.Now()
				_, body, err := tlsGet(addr, cfg, "/hs")
				if err == nil && string(body) != "ok\n" {
					err = fmt.Errorf("unexpected body %q", body)
				}
				if err != nil {
					errs[i]++
					first.Do(func() { fmt.Fprintf(os.Stderr, "weirbench: %s: %v\n", addr, err) })
					time.Sleep(10 * time.Millisecond)
					continue
				}
				lats[i] = append(lats[i], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	all := slices.Concat(lats...)
	r := sample{
		n:       int64(len(all)),
		rate:    float64(len(all)) / elapsed.Seconds(),
		loadCPU: rusageCPU(&ru1) - rusageCPU(&ru0),
	}
	for _, e := range errs {
		r.errs += e
	}
	r.p50, r.p99 = percentiles(all)
	if r.errs > 0 {
		fmt.Fprintf(os.Stderr, "weirbench: %s: %d failed connections of %d\n", addr, r.errs, r.errs+r.n)
	}
	return r
}

func rusageCPU(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentiles are the p50 and p99 of d in ms.
func percentiles(d []time.Duration) (float64, float64) {
	if len(d) == 0 {
		return 0, 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / 1e6 }
	return at(0.50), at(0.99)
}

// tlsProbe checks each server's ports before the load: the certificate
// presented, what is negotiated, that the server issues no session
// tickets and that a client keeping sessions does not resume, and the
// bodies the proxy passes.
func tlsProbe(r *rig, addrs map[string]map[string]string, certs map[string]certFiles) {
	t := newTable("server", "cert", "TLS", "suite", "group", "session tickets sent", "next connection resumed")
	for _, s := range r.servers {
		for _, k := range keyTypes {
			for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
				cfg := clientConfig(certs[k].pool, v)
				cache := &countingCache{}
				cfg.ClientSessionCache = cache
				st, _, err := tlsGet(addrs[s.name][k], cfg, "/hs")
				if err != nil {
					r.fail(fmt.Errorf("%s, %s, %s: %v", s.name, k, tls.VersionName(v), err))
				}
				if got := st.PeerCertificates[0].PublicKeyAlgorithm.String(); !strings.HasPrefix(k, got) {
					r.fail(fmt.Errorf("%s %s: certificate has a %s key", s.name, k, got))
				}
				tickets := cache.puts
				st2, _, err := tlsGet(addrs[s.name][k], cfg, "/hs")
				r.fail(err)
				t.row(s.name, k, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.CurveID.String(),
					strconv.Itoa(tickets), strconv.FormatBool(st2.DidResume))
			}
		}
		for _, size := range []string{"64", "16k"} {
			want := map[string]int{"64": 64, "16k": 16384}[size]
			_, body, err := tlsGet(addrs[s.name][keyTypes[0]], clientConfig(certs[keyTypes[0]].pool, tls.VersionTLS13), "/"+size)
			r.fail(err)
			if len(body) != want {
				r.fail(fmt.Errorf("%s /%s: %d bytes, want %d", s.name, size, len(body), want))
			}
		}
	}
	fmt.Println("\nGo client (handshake test), one probe per port:")
	fmt.Println()
	t.print()
	if _, err := exec.LookPath("openssl"); err == nil {
		fmt.Println("\nOpenSSL client with its defaults (as wrk uses it), ECDSA port:")
		for _, s := range r.servers {
			out, _, _ := runLoad(0, "openssl", "s_client", "-brief", "-connect", addrs[s.name][keyTypes[0]], "-servername", "bench")
			fmt.Printf("    %s: %s\n", s.name, opensslSummary(out))
		}
	}
}

var (
	sslVersionRe = regexp.MustCompile(`Protocol version: (\S+)`)
	sslSuiteRe   = regexp.MustCompile(`Ciphersuite: (\S+)`)
	sslKeyRe     = regexp.MustCompile(`Server Temp Key: ([^\n]+)`)
)

// opensslSummary is the protocol, suite and key exchange group in the
// output of "openssl s_client -brief" or of h2load.
func opensslSummary(out []byte) string {
	var parts []string
	for _, re := range []*regexp.Regexp{sslVersionRe, sslSuiteRe, h2CipherRe, sslKeyRe} {
		if m := re.FindSubmatch(out); m != nil {
			parts = append(parts, string(m[1]))
		}
	}
	if len(parts) == 0 {
		return strings.TrimSpace(string(out))
	}
	return strings.Join(parts, ", ")
}

// countingCache keeps the sessions a server gives, to show whether it
// gives any.
type countingCache struct {
	mu   sync.Mutex
	puts int
	m    map[string]*tls.ClientSessionState
}

func (c *countingCache) Get(key string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	return s, ok
}

func (c *countingCache) Put(key string, s *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*tls.ClientSessionState{}
	}
	if s != nil {
		c.puts++
	}
	c.m[key] = s
}

var (
	h2FinishedRe = regexp.MustCompile(`finished in [0-9.]+m?s, ([0-9.]+) req/s`)
	h2RequestsRe = regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
	h2StatusRe   = regexp.MustCompile(`status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`)
	h2ProtoRe    = regexp.MustCompile(`Application protocol: (\S+)`)
	h2CipherRe   = regexp.MustCompile(`Cipher: (\S+)`)
	h2Negotiated = map[string]string{} // by host:port, from the first run
)

// h2load runs h2load for d and reads its rate, its request counts and,
// from its per-request log, the latency percentiles.
func h2load(url string, conns, streams int, d time.Duration, logPath string) sample {
	threads := min(2, conns)
	out, used, err := runLoad(d, *h2loadBin, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-m"+strconv.Itoa(streams),
		"-D"+strconv.Itoa(int(d.Seconds())), "--log-file="+logPath, url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "weirbench: h2load: %v\n%s", err, out)
		return sample{errs: 1}
	}
	r := sample{loadCPU: used}
	if m := h2ProtoRe.FindSubmatch(out); m == nil || string(m[1]) != "h2" {
		r.errs++
		fmt.Fprintf(os.Stderr, "weirbench: %s: not HTTP/2:\n%s", url, out)
	}
	host := strings.Split(url, "/")[2]
	if _, ok := h2Negotiated[host]; !ok {
		h2Negotiated[host] = opensslSummary(out)
	}
	if m := h2FinishedRe.FindSubmatch(out); m != nil {
		r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	// total, started, done, succeeded, failed, errored, timeout; failed
	// counts the answers with an error status done within the duration,
	// the status codes all the answers
	var bad int64
	if n := counts(h2StatusRe, out); n != nil {
		bad = n[2] + n[3]
	}
	if n := counts(h2RequestsRe, out); n != nil {
		r.n = n[2]
		r.errs += max(n[4], bad) + n[5] + n[6]
	} else {
		r.errs++
	}
	reportErrors(url, r.errs, out)
	lats, err := h2Latencies(logPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "weirbench: h2load log:", err)
	}
	r.p50, r.p99 = percentiles(lats)
	return r
}

// h2Latencies reads h2load's per-request log: start (µs since the
// epoch), status, µs to the end of the response.
func h2Latencies(path string) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer os.Remove(path)
	var out []time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			continue
		}
		us, err := strconv.ParseInt(fs[2], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	if len(out) == 0 && sc.Err() == nil {
		return nil, errors.New("no requests logged")
	}
	return out, sc.Err()
}

// loadavg is /proc/loadavg.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return string(b)
}

// table prints a markdown table with aligned columns.
type table struct{ rows [][]string }

func newTable(header ...string) *table { return &table{rows: [][]string{header}} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print() {
	width := make([]int, len(t.rows[0]))
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		fmt.Println(b.String() + "|")
	}
	line(t.rows[0])
	sep := make([]string, len(width))
	for i, w := range width {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	for _, r := range t.rows[1:] {
		line(r)
	}
}

func f0(v float64) string    { return strconv.FormatFloat(v, 'f', 0, 64) }
func ms(v float64) string    { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }
func us(v float64) string    { return strconv.FormatFloat(v, 'f', 1, 64) + " µs" }
func cores(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func mib(v int64) string     { return strconv.FormatFloat(float64(v)/(1<<20), 'f', 1, 64) + " MiB" }
