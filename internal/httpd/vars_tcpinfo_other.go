//go:build !linux

package httpd

// tcpInfo: TCP_INFO is read on Linux only.
func (q *request) tcpInfo() (*tcpInfoT, bool) { return nil, false }

type tcpInfoT struct{ Rtt, Rttvar, Snd_cwnd, Rcv_space uint32 }
