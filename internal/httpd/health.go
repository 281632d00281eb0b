package httpd

import (
	"weir/internal/health"
	"weir/internal/httpcore"
	"weir/internal/vars"
)

// StartHealthChecks starts the snapshot's active health checks
// (health_check) once it serves. The previous snapshot's checks stop
// first, at the reload, not when its last request ends; their verdicts
// carry over to the peers of "mandatory persistent" checks.
func (s *Snapshot) StartHealthChecks(prev *Snapshot) {
	var old *health.Checkers
	if prev != nil {
		old = prev.health
	}
	if s.Cfg.HTTP == nil || s.ups == nil {
		old.Stop()
		return
	}
	s.health = health.StartEval(s.ups, s.Cfg.HTTP.HealthChecks, s.Log, old, s.healthEval)
}

// healthEval evaluates a value of a match block's require line for the
// answer to a check, as nginx does on the check's own request: the
// upstream's answer gives $upstream_status, $upstream_addr,
// $upstream_http_NAME and $upstream_cookie_NAME (and maps over them);
// variables of a client request are empty.
func (s *Snapshot) healthEval(v *vars.Value, a *health.Answer) (out string) {
	defer func() {
		// a variable that needs more of a client request than the
		// check has is empty
		if recover() != nil {
			out = ""
		}
	}()
	q := &request{snap: s, r: &httpcore.Request{Conn: &httpcore.ConnInfo{}}, px: &proxyState{haveHead: true}}
	n := s.Cfg.HTTP.Vars.Len()
	q.user, q.userSet = make([]string, n), make([]bool, n)
	q.px.head.Status = a.Status
	for name, vals := range a.Header {
		for _, val := range vals {
			q.px.head.Headers = append(q.px.head.Headers, httpcore.Header{Name: name, Value: val})
		}
	}
	q.ups = []upState{{addr: a.Peer, status: a.Status, connectTime: -1, headerTime: -1, responseTime: -1}}
	return q.eval(v)
}
