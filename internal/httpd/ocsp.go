package httpd

// setTLSLog gives each server's TLS site the error log of the snapshot,
// where nginx logs its OCSP requests (ssl_stapling, ssl_ocsp).
func (s *Snapshot) setTLSLog() {
	if s.Cfg.HTTP == nil {
		return
	}
	for _, srv := range s.Cfg.HTTP.Servers {
		if srv.TLS != nil {
			srv.TLS.SetLog(s.Log)
		}
	}
}
