package httpd

import "weir/internal/health"

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
	s.health = health.Start(s.ups, s.Cfg.HTTP.HealthChecks, s.Log, old)
}
