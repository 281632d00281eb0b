package tlsconf

import (
	"strings"
	"sync/atomic"
)

// The process's TLS counters for the commercial nginx's API (/ssl):
// the handshakes of client connections, made and failed (with the
// failures it tells apart), the sessions reused, and the client
// certificates refused.

// Counts are the counters at one time.
type Counts struct {
	Handshakes, Failed, Reuses                              int64
	NoCommonProtocol, NoCommonCipher, Timeout, PeerRejected int64
	NoCert, Expired, Revoked, Other                         int64
}

var counters struct {
	handshakes, failed, reuses                              atomic.Int64
	noCommonProtocol, noCommonCipher, timeout, peerRejected atomic.Int64
	noCert, expired, revoked, other                         atomic.Int64
}

func all() []*atomic.Int64 {
	c := &counters
	return []*atomic.Int64{&c.handshakes, &c.failed, &c.reuses, &c.noCommonProtocol, &c.noCommonCipher,
		&c.timeout, &c.peerRejected, &c.noCert, &c.expired, &c.revoked, &c.other}
}

// ReadCounts returns the counters now.
func ReadCounts() Counts {
	v := make([]int64, 0, 11)
	for _, c := range all() {
		v = append(v, c.Load())
	}
	return Counts{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]}
}

// ResetCounts clears the counters (DELETE /ssl).
func ResetCounts() {
	for _, c := range all() {
		c.Store(0)
	}
}

// countHandshake counts a completed handshake.
func countHandshake(resumed bool) {
	counters.handshakes.Add(1)
	if resumed {
		counters.reuses.Add(1)
	}
}

// countFailure counts a handshake that failed once it had started, by
// what nginx's log line tells of it.
func countFailure(f HandshakeFailure) {
	counters.failed.Add(1)
	switch m := f.Msg; {
	case strings.Contains(m, "unsupported protocol"), strings.Contains(m, "version too low"):
		counters.noCommonProtocol.Add(1)
	case strings.Contains(m, "no shared cipher"):
		counters.noCommonCipher.Add(1)
	case strings.Contains(m, "timed out"):
		counters.timeout.Add(1)
	case strings.Contains(m, "SSL alert number 42"), strings.Contains(m, "SSL alert number 43"),
		strings.Contains(m, "SSL alert number 44"), strings.Contains(m, "SSL alert number 45"),
		strings.Contains(m, "SSL alert number 46"), strings.Contains(m, "SSL alert number 48"):
		counters.peerRejected.Add(1)
	}
}

// CountVerify counts a client certificate refused (v failed) or missing
// though required (v has no certificate).
func CountVerify(v VerifyResult) {
	switch {
	case !v.HasCert:
		counters.noCert.Add(1)
	case v.Code == ErrExpired || v.Code == ErrNotYetValid:
		counters.expired.Add(1)
	case v.Code == ErrRevoked || v.Code == 0 && v.OCSP == verifyTexts[ErrRevoked]:
		counters.revoked.Add(1)
	default:
		counters.other.Add(1)
	}
}
