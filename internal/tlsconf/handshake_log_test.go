package tlsconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestDescribeFailure pins the wording of failed handshakes for errors
// made here (the real clients are in the server package's test).
func TestDescribeFailure(t *testing.T) {
	timeout := &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}
	reset := &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, c := range []struct {
		err      error
		started  bool
		rejected bool
		msgType  int
		want     string
		crit     bool
	}{
		{io.EOF, false, false, -1, "client closed connection", false},
		{timeout, false, false, -1, "client timed out (110: Connection timed out)", false},
		{timeout, true, false, 1, "client timed out (110: Connection timed out)", false},
		{reset, false, false, -1, "recv() failed (104: Connection reset by peer)", false},
		{reset, true, false, 1, "peer closed connection in SSL handshake (104: Connection reset by peer)", false},
		{io.ErrUnexpectedEOF, true, false, 1, "peer closed connection in SSL handshake", false},
		{errors.New("tls: no certificates configured"), true, true, 1, "handshake rejected", false},
		{errors.New("remote error: tls: unknown certificate authority"), true, false, 1,
			"SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48)", false},
		{errors.New("remote error: tls: certificate required"), true, false, 1,
			"SSL_do_handshake() failed (SSL: error:0A00045C:SSL routines::tlsv13 alert certificate required:SSL alert number 116)", false},
		{errors.New("tls: handshake message of length 16777215 bytes exceeds maximum of 65536 bytes"), true, false, 1,
			"SSL_do_handshake() failed (SSL: error:0A000098:SSL routines::excessive message size)", false},
		{errors.New("tls: handshake message of length 3224115 bytes exceeds maximum of 65536 bytes"), true, false, 0x30,
			"SSL_do_handshake() failed (SSL: error:0A0000F4:SSL routines::unexpected message)", false},
		{errors.New("tls: oversized record received with length 65535"), true, false, 'h',
			"SSL_do_handshake() failed (SSL: error:0A0000C6:SSL routines::packet length too long)", true},
		{errors.New("tls: some failure OpenSSL words otherwise"), true, false, 1,
			"SSL_do_handshake() failed (tls: some failure OpenSSL words otherwise)", false},
	} {
		f := describeFailure(c.err, c.started, c.rejected, c.msgType)
		if want := c.want + " while SSL handshaking"; f.Msg != want || f.Crit != c.crit {
			t.Errorf("%v (started %v):\n got %q crit=%v\nwant %q crit=%v", c.err, c.started, f.Msg, f.Crit, want, c.crit)
		}
	}
	// every alert's code is 1000 + the alert, as OpenSSL packs them
	for n, reason := range opensslAlerts {
		f := describeFailure(errors.New("remote error: "+tls.AlertError(n).Error()), true, false, 1)
		if want := fmt.Sprintf("SSL_do_handshake() failed (SSL: error:0A%06X:SSL routines::%s:SSL alert number %d) while SSL handshaking", 1000+int(n), reason, n); f.Msg != want {
			t.Errorf("alert %d: %q", n, f.Msg)
		}
	}
}
