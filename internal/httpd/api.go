package httpd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/upstream"
)

// The commercial nginx's REST API (ngx_http_api_module), version 9:
// status of the process, connections, requests, status zones and
// upstream groups, and on-the-fly changes of the servers of groups that
// have a zone. Answers and errors are JSON as the module's documentation
// gives them.

// apiVersion is the newest API version; every version up to it is
// served the same way.
const apiVersion = 9

const apiHref = "https://nginx.org/en/docs/http/ngx_http_api_module.html"

// apiError is one of the API's error answers.
type apiError struct {
	status int
	text   string
	code   string
}

func apiErr(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, text: fmt.Sprintf(format, args...), code: code}
}

var (
	errPathNotFound   = &apiError{404, "path not found", "PathNotFound"}
	errMethodDisabled = &apiError{405, "method disabled", "MethodDisabled"}
	errMethodNotSupp  = &apiError{405, "method not supported", "MethodNotSupported"}
	errUpstreamNF     = &apiError{404, "upstream not found", "UpstreamNotFound"}
	errUpstreamStatic = &apiError{400, "upstream is static", "UpstreamStatic"}
)

// apiHandler answers a request to an "api" location.
func (q *request) apiHandler() {
	path := q.uri
	if q.loc != nil && (q.loc.Match == config.MatchPrefix || q.loc.Match == config.MatchPrefixNoRegex || q.loc.Match == config.MatchExact) {
		path = strings.TrimPrefix(path, q.loc.Name)
	}
	var body []byte
	switch q.method {
	case "POST", "PATCH":
		if q.lc.Status.APIWrite || q.loc != nil && q.loc.Loc.Status.APIWrite {
			var rb reqBody
			if !q.readBody(&rb) {
				return
			}
			body = rb.mem
			if rb.file != nil {
				if _, err := rb.file.Seek(0, io.SeekStart); err == nil {
					body, _ = io.ReadAll(rb.file)
				}
				rb.close()
			}
		} else if code := q.discardBody(); code != 0 {
			q.respondStatus(code)
			return
		}
	default:
		if code := q.discardBody(); code != 0 {
			q.respondStatus(code)
			return
		}
	}
	status, v, aerr := q.apiServe(path, body)
	if aerr != nil {
		q.apiSend(aerr.status, jobj{}.
			add("error", jobj{}.add("status", aerr.status).add("text", aerr.text).add("code", aerr.code)).
			add("request_id", q.requestID()).
			add("href", apiHref))
		return
	}
	q.apiSend(status, v)
}

// apiSend sends v as the JSON answer (no body for 204).
func (q *request) apiSend(status int, v any) {
	w := q.w
	w.Status = status
	q.status = status
	w.ContentType = "application/json"
	var b []byte
	if status != 204 {
		b = appendJSON(nil, v)
	}
	w.ContentLength = int64(len(b))
	q.prepareHeader()
	if err := w.WriteHeader(); err != nil || w.HeadOnly() || len(b) == 0 {
		return
	}
	_, _ = w.Write(b)
}

// apiServe routes path ("/9/http/upstreams/b") and the method.
func (q *request) apiServe(path string, body []byte) (int, any, *apiError) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		parts = nil
	}
	write := q.method == "POST" || q.method == "PATCH" || q.method == "DELETE"
	if write && !q.lc.Status.APIWrite && !(q.loc != nil && q.loc.Loc.Status.APIWrite) {
		return 0, nil, errMethodDisabled
	}
	get := q.method == "GET" || q.method == "HEAD"
	if len(parts) == 0 {
		if !get {
			return 0, nil, errMethodNotSupp
		}
		vs := make([]any, apiVersion)
		for i := range vs {
			vs[i] = i + 1
		}
		return 200, vs, nil
	}
	ver, err := strconv.Atoi(parts[0])
	if err != nil || ver < 1 || ver > apiVersion || parts[0][0] == '0' {
		return 0, nil, &apiError{404, "unknown version", "UnknownVersion"}
	}
	parts = parts[1:]
	fields := parseFields(q.args)
	if len(parts) == 0 {
		return apiGetOnly(get, []any{"nginx", "processes", "connections", "http", "stream", "ssl", "workers"})
	}
	switch parts[0] {
	case "nginx":
		if len(parts) == 1 {
			return apiGetOnly(get, filter(q.apiNginx(), fields))
		}
	case "processes", "connections", "ssl":
		if len(parts) == 1 {
			return apiCounters(q.method, parts[0], fields)
		}
	case "workers":
		return q.apiWorkers(parts[1:], get, fields)
	case "http":
		return q.apiHTTP(parts[1:], get, fields, body)
	case "stream":
		return q.apiStream(parts[1:], get, fields, body)
	}
	return 0, nil, errPathNotFound
}

func apiGetOnly(get bool, v any) (int, any, *apiError) {
	if !get {
		return 0, nil, errMethodNotSupp
	}
	return 200, v, nil
}

func filter(o jobj, fields map[string]bool) jobj {
	if fields == nil {
		return o
	}
	return o.only(fields)
}

// apiNginx is /nginx: the version is the nginx behaviour weir follows.
func (q *request) apiNginx() jobj {
	z := q.snap.zones
	addr := "unix:"
	if !q.r.Conn.Unix {
		addr = q.r.Conn.Local.Addr().Unmap().String()
	}
	return jobj{}.add("version", Version).add("build", "weir").add("address", addr).
		add("generation", z.gen).add("load_timestamp", z.loaded).add("timestamp", time.Now()).
		add("pid", os.Getpid()).add("ppid", os.Getppid())
}

func (q *request) apiHTTP(parts []string, get bool, fields map[string]bool, body []byte) (int, any, *apiError) {
	if len(parts) == 0 {
		return apiGetOnly(get, []any{"requests", "server_zones", "location_zones", "caches", "limit_conns", "limit_reqs", "upstreams"})
	}
	switch parts[0] {
	case "requests":
		if len(parts) == 1 {
			return apiCounters(q.method, "requests", fields)
		}
	case "server_zones", "location_zones":
		server := parts[0] == "server_zones"
		m := q.snap.zones.locations
		nf := &apiError{404, "location zone not found", "LocationZoneNotFound"}
		if server {
			m = q.snap.zones.servers
			nf = &apiError{404, "server zone not found", "ServerZoneNotFound"}
		}
		return q.apiNamed(parts[1:], fields, nf, sortedNames(m), func(n string) (func() jobj, func()) {
			z := m[n]
			if z == nil {
				return nil, nil
			}
			return func() jobj { return z.json(server) }, z.reset
		})
	case "caches":
		return q.apiCaches(parts[1:], fields)
	case "limit_conns", "limit_reqs":
		return q.apiLimits(parts[1:], fields, parts[0] == "limit_conns")
	case "upstreams":
		return q.apiUpstreams(q.snap.ups, false, parts[1:], get, fields, body)
	}
	return 0, nil, errPathNotFound
}

// apiUpstreams is /http/upstreams or (stream) /stream/upstreams of set.
func (q *request) apiUpstreams(set *upstream.Set, stream bool, parts []string, get bool, fields map[string]bool, body []byte) (int, any, *apiError) {
	if len(parts) == 0 {
		o := jobj{}
		if set != nil {
			for _, g := range set.Groups() {
				if g.Upstream.Implicit || !g.Dynamic() {
					continue
				}
				o = o.add(g.Name, filter(upstreamJSON(g, stream), fields))
			}
		}
		return apiGetOnly(get, o)
	}
	var g *upstream.Group
	if set != nil {
		g = set.Lookup(parts[0])
	}
	if g == nil {
		return 0, nil, errUpstreamNF
	}
	if !g.Dynamic() {
		return 0, nil, errUpstreamStatic
	}
	if len(parts) == 1 {
		if q.method == "DELETE" {
			g.ResetStats()
			return 204, nil, nil
		}
		return apiGetOnly(get, filter(upstreamJSON(g, stream), fields))
	}
	if parts[1] != "servers" || len(parts) > 3 {
		return 0, nil, errPathNotFound
	}
	if len(parts) == 2 {
		switch {
		case get:
			return 200, serversJSON(g, stream), nil
		case q.method == "POST":
			return q.apiAddServer(g, stream, body)
		}
		return 0, nil, errMethodNotSupp
	}
	id, err := strconv.Atoi(parts[2])
	if err != nil || id < 0 {
		return 0, nil, &apiError{400, "invalid server ID", "UpstreamBadServerId"}
	}
	cur, err := g.Settings(id)
	if err != nil {
		return 0, nil, apiErr(404, "UpstreamServerNotFound", "server with ID \"%d\" does not exist", id)
	}
	switch {
	case get:
		return 200, serverJSON(g, id, stream), nil
	case q.method == "DELETE":
		if err := g.RemoveServer(id); err != nil {
			return 0, nil, apiErr(404, "UpstreamServerNotFound", "server with ID \"%d\" does not exist", id)
		}
		q.apiSaveState(g)
		return 200, serversJSON(g, stream), nil
	case q.method == "PATCH":
		host := ""
		if aerr := parseServerJSON(body, &cur, &host, false, stream); aerr != nil {
			return 0, nil, aerr
		}
		if host != "" && host != serverOf(g, id) {
			return 0, nil, apiErr(400, "UpstreamServerImmutable", "server \"%d\" address is immutable", id)
		}
		if err := g.ChangeServer(id, cur); err != nil {
			return 0, nil, apiErr(404, "UpstreamServerNotFound", "server with ID \"%d\" does not exist", id)
		}
		q.apiSaveState(g)
		return 200, serverJSON(g, id, stream), nil
	}
	return 0, nil, errMethodNotSupp
}

// apiAddServer is POST /http/upstreams/NAME/servers (or the stream
// one's, where the address must have a port).
func (q *request) apiAddServer(g *upstream.Group, stream bool, body []byte) (int, any, *apiError) {
	st := upstream.ServerSettings{Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}
	host := ""
	if aerr := parseServerJSON(body, &st, &host, true, stream); aerr != nil {
		return 0, nil, aerr
	}
	if host == "" {
		return 0, nil, &apiError{400, "missing \"server\" argument", "UpstreamConfFormatError"}
	}
	if stream && !hasPort(host) {
		return 0, nil, apiErr(400, "UpstreamBadAddress", "no port in server \"%s\"", host)
	}
	addrs, text, errText := config.ResolveServer(host)
	if errText != "" {
		return 0, nil, apiErr(400, "UpstreamBadAddress", "\"%s\" while parsing", errText)
	}
	ids, err := g.AddServer(text, addrs, st)
	switch err {
	case nil:
	case upstream.ErrNoBackup:
		return 0, nil, apiErr(400, "UpstreamNoBackup", "upstream \"%s\" has no backup", g.Name)
	default:
		return 0, nil, errUpstreamStatic
	}
	q.apiSaveState(g)
	return 201, serverJSON(g, ids[0], stream), nil
}

// apiSaveState rewrites the group's state file after a change made with
// the API; a failure is logged and the change stays.
func (q *request) apiSaveState(g *upstream.Group) {
	if err := g.SaveState(); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "cannot save state of upstream \"%s\" to \"%s\" %s%s", g.Name, g.Upstream.State, errlog.SysError(err), q.logSuffix())
	}
}

// parseServerJSON applies a server object of the API to st; add is
// true for POST (backup may be given); a stream server has no route
// nor drain.
func parseServerJSON(body []byte, st *upstream.ServerSettings, host *string, add, stream bool) *apiError {
	formatErr := func(format string, args ...any) *apiError {
		return apiErr(400, "UpstreamConfFormatError", format, args...)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return &apiError{415, "json error", "JsonError"}
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return &apiError{415, "json error", "JsonError"}
		}
		key, _ := kt.(string)
		vt, err := dec.Token()
		if err != nil {
			return &apiError{415, "json error", "JsonError"}
		}
		if d, ok := vt.(json.Delim); ok && (d == '{' || d == '[') {
			return formatErr("nested object or list")
		}
		num := func(bad string) (int, *apiError) {
			n, ok := vt.(json.Number)
			if !ok {
				return 0, formatErr("invalid \"%s\" value", key)
			}
			v, err := strconv.Atoi(n.String())
			if err != nil || v < 0 {
				return 0, apiErr(400, bad, "invalid \"%s\"", key)
			}
			return v, nil
		}
		flag := func() (bool, *apiError) {
			b, ok := vt.(bool)
			if !ok {
				return false, formatErr("invalid \"%s\" value", key)
			}
			return b, nil
		}
		var aerr *apiError
		if stream && (key == "route" || key == "drain") {
			return formatErr("unknown parameter \"%s\"", key)
		}
		switch key {
		case "server":
			s, ok := vt.(string)
			if !ok {
				return formatErr("invalid \"%s\" value", key)
			}
			*host = s
		case "weight":
			st.Weight, aerr = num("UpstreamBadWeight")
			if aerr == nil && st.Weight == 0 {
				aerr = apiErr(400, "UpstreamBadWeight", "invalid \"weight\"")
			}
		case "max_conns":
			st.MaxConns, aerr = num("UpstreamBadMaxConns")
		case "max_fails":
			st.MaxFails, aerr = num("UpstreamBadMaxFails")
		case "fail_timeout", "slow_start":
			var d time.Duration
			switch x := vt.(type) {
			case string:
				var err error
				d, err = config.ParseSeconds(x)
				if err != nil {
					code := "UpstreamBadFailTimeout"
					if key == "slow_start" {
						code = "UpstreamBadSlowStart"
					}
					return apiErr(400, code, "invalid \"%s\"", key)
				}
			case json.Number:
				n, err := strconv.Atoi(x.String())
				if err != nil || n < 0 {
					return formatErr("invalid \"%s\" value", key)
				}
				d = time.Duration(n) * time.Second
			default:
				return formatErr("invalid \"%s\" value", key)
			}
			if key == "fail_timeout" {
				st.FailTimeout = d
			} else {
				st.SlowStart = d
			}
		case "route":
			s, ok := vt.(string)
			if !ok {
				return formatErr("invalid \"%s\" value", key)
			}
			if len(s) > 32 {
				return &apiError{400, "route is too long", "UpstreamBadRoute"}
			}
			st.Route = s
		case "backup":
			b, e := flag()
			if e != nil {
				return e
			}
			if add {
				st.Backup = b
			} else if b != st.Backup {
				return formatErr("invalid \"%s\" value", key)
			}
		case "down":
			st.Down, aerr = flag()
		case "drain":
			st.Drain, aerr = flag()
		case "id":
			if _, ok := vt.(json.Number); !ok {
				return formatErr("invalid \"%s\" value", key)
			}
		default:
			return formatErr("unknown parameter \"%s\"", key)
		}
		if aerr != nil {
			return aerr
		}
	}
	if _, err := dec.Token(); err != nil {
		return &apiError{415, "json error", "JsonError"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apiError{415, "json error", "JsonError"}
	}
	return nil
}

func serverOf(g *upstream.Group, id int) string {
	for _, p := range g.Snapshot() {
		if p.ID == id {
			return p.Server
		}
	}
	return ""
}

// upstreamJSON is the API's upstream object (a stream one has no
// keepalive).
func upstreamJSON(g *upstream.Group, stream bool) jobj {
	peers := []any{}
	for _, p := range g.Snapshot() {
		peers = append(peers, peerJSON(p, stream))
	}
	o := jobj{}.add("peers", peers)
	if !stream {
		o = o.add("keepalive", g.IdleTotal())
	}
	return o.add("zombies", 0).add("zone", g.Upstream.Zone)
}

// peerJSON is a peer of the upstream object: an http one counts
// requests and responses, a stream one connections and its times.
func peerJSON(p upstream.PeerInfo, stream bool) jobj {
	o := jobj{}.add("id", p.ID).add("server", p.Server).add("name", p.Name).add("backup", p.Backup).
		add("weight", p.Weight).add("state", p.State).add("active", p.Active)
	if p.MaxConns > 0 {
		o = o.add("max_conns", p.MaxConns)
	}
	ms := func(o jobj, k string, d time.Duration) jobj {
		if d >= 0 {
			o = o.add(k, d.Milliseconds())
		}
		return o
	}
	if stream {
		o = o.add("connections", p.Requests)
		o = ms(o, "connect_time", p.ConnectTime)
		o = ms(o, "first_byte_time", p.HeaderTime)
		o = ms(o, "response_time", p.ResponseTime)
	} else {
		o = o.add("requests", p.Requests)
		o = ms(o, "header_time", p.HeaderTime)
		o = ms(o, "response_time", p.ResponseTime)
		o = o.add("responses", responsesJSON(p.Responses, p.Codes))
	}
	hc := jobj{}.add("checks", p.Health.Checks).add("fails", p.Health.Fails).add("unhealthy", p.Health.Unhealthy)
	if p.Health.Checked {
		hc = hc.add("last_passed", p.Health.LastPassed)
	}
	o = o.add("sent", p.Sent).add("received", p.Received).add("fails", p.Fails).add("unavail", p.Unavail).
		add("health_checks", hc).add("downtime", p.Downtime.Milliseconds())
	if !p.Downstart.IsZero() {
		o = o.add("downstart", p.Downstart)
	}
	if !p.Selected.IsZero() {
		o = o.add("selected", p.Selected)
	}
	return o
}

// confJSON is the API's server object (/servers); a stream server has
// no route nor drain.
func confJSON(p upstream.PeerInfo, stream bool) jobj {
	o := jobj{}.add("id", p.ID).add("server", p.Server).add("weight", p.Weight).add("max_conns", p.MaxConns).
		add("max_fails", p.MaxFails).add("fail_timeout", strconv.FormatInt(int64(p.FailTimeout/time.Second), 10)+"s").
		add("slow_start", strconv.FormatInt(int64(p.SlowStart/time.Second), 10)+"s")
	if !stream {
		o = o.add("route", p.Route)
	}
	o = o.add("backup", p.Backup).add("down", p.Down)
	if p.Drain && !stream {
		o = o.add("drain", true)
	}
	return o
}

func serversJSON(g *upstream.Group, stream bool) []any {
	out := []any{}
	for _, p := range g.Snapshot() {
		out = append(out, confJSON(p, stream))
	}
	return out
}

func serverJSON(g *upstream.Group, id int, stream bool) jobj {
	for _, p := range g.Snapshot() {
		if p.ID == id {
			return confJSON(p, stream)
		}
	}
	return jobj{}
}

// hasPort reports whether a stream server's address names a port (a
// unix socket needs none).
func hasPort(host string) bool {
	switch {
	case len(host) >= 5 && strings.EqualFold(host[:5], "unix:"):
		return true
	case strings.HasPrefix(host, "["):
		return strings.Contains(host, "]:")
	}
	return strings.Contains(host, ":")
}
