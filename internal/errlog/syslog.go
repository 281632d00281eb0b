package errlog

import (
	"bytes"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/rawio"
)

// Syslog is a "syslog:" log target as ngx_syslog_process_conf reads it:
// the server's address, the facility and severity (0..23 and 0..7, as
// RFC 3164 numbers them), the tag and whether the hostname is left out.
type Syslog struct {
	Unix       bool   // a unix datagram socket
	Addr       string // "127.0.0.1:514", "[::1]:514", or the socket's path
	Facility   int
	Severity   int // access_log only: error_log lines take their level's
	Tag        string
	NoHostname bool
}

// SyslogPeer sends datagrams to one syslog server, as ngx_syslog_peer_t
// does: the socket is made and connected at the first message, and
// closed after a failed send (the next message makes a new one). It is
// safe for concurrent use.
type SyslogPeer struct {
	cfg *Syslog

	mu     sync.Mutex
	fd     int // -1 when there is no socket
	closed bool
	// busy is set while the peer reports its own failure, so that the
	// report does not come back to it (nginx's peer->busy).
	busy atomic.Bool
}

// NewSyslogPeer returns a peer for cfg; nothing is opened yet.
func NewSyslogPeer(cfg *Syslog) *SyslogPeer {
	return &SyslogPeer{cfg: cfg, fd: -1}
}

var (
	syslogHost   atomic.Pointer[string]
	syslogReport atomic.Pointer[func(Level, string)]
	syslogStamp  atomic.Pointer[stamp]
	syslogNow    = time.Now // a variable for tests
)

// SetSyslogHostname sets the host name the syslog header carries. nginx
// prints the running cycle's name (gethostname, lower-cased): until the
// first configuration is running the header has an empty one.
func SetSyslogHostname(name string) { syslogHost.Store(&name) }

// SetSyslogErrors sets where a peer reports its failures: nginx logs them
// to the cycle's log (ngx_cycle->log), the main error_log.
func SetSyslogErrors(f func(Level, string)) { syslogReport.Store(&f) }

// syslogTime is ngx_cached_syslog_time: "Jan  2 15:04:05", local time.
func syslogTime() string {
	now := syslogNow()
	sec := now.Unix()
	if st := syslogStamp.Load(); st != nil && st.sec == sec {
		return st.text
	}
	st := &stamp{sec: sec, text: now.Format("Jan _2 15:04:05")}
	syslogStamp.Store(st)
	return st.text
}

// AppendHeader appends the RFC 3164 header ngx_syslog_add_header writes
// before a message, "<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: ", with the
// target's severity.
func (p *SyslogPeer) AppendHeader(b []byte) []byte {
	return p.appendHeader(b, p.cfg.Severity)
}

func (p *SyslogPeer) appendHeader(b []byte, severity int) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(p.cfg.Facility*8+severity), 10)
	b = append(b, '>')
	b = append(b, syslogTime()...)
	b = append(b, ' ')
	if !p.cfg.NoHostname {
		if h := syslogHost.Load(); h != nil {
			b = append(b, *h...)
		}
		b = append(b, ' ')
	}
	b = append(b, p.cfg.Tag...)
	return append(b, ':', ' ')
}

// writeError is ngx_syslog_writer: an error-log line, without its
// newline, goes out with the line's level as the severity. As nginx
// copies the line with "%s", it ends at a NUL byte.
func (p *SyslogPeer) writeError(lv Level, line []byte) {
	if p.busy.Load() {
		return
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	bp := bufPool.Get().(*[]byte)
	b := p.appendHeader((*bp)[:0], int(lv))
	b = append(b, line...)
	_ = p.Send(b)
	if cap(b) <= 4*maxLine {
		*bp = b
		bufPool.Put(bp)
	}
}

// Send sends one datagram (header included) as ngx_syslog_send: the
// socket is made first if there is none, and a failed send closes it. A
// failure to make the socket or to send is logged to the main error log
// (nginx's wording: "connect() failed (2: No such file or directory)",
// "send() failed (111: Connection refused)"); the error returned only
// tells that the message did not go out.
func (p *SyslogPeer) Send(msg []byte) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return syscall.EBADF
	}
	if p.fd < 0 {
		fd, lv, what, err := p.connect()
		if err != nil {
			p.mu.Unlock()
			p.report(lv, what+" failed "+SysError(err))
			return err
		}
		p.fd = fd
	}
	_, errno := rawio.Write(uintptr(p.fd), msg)
	if errno == 0 {
		p.mu.Unlock()
		return nil
	}
	if errno == syscall.EAGAIN {
		// would block: nothing is logged and the socket stays, as
		// ngx_unix_send's NGX_AGAIN
		p.mu.Unlock()
		return errno
	}
	syscall.Close(p.fd)
	p.fd = -1
	p.mu.Unlock()
	p.report(sendErrorLevel(errno), "send() failed "+SysError(errno))
	return errno
}

// sendErrorLevel is ngx_connection_error's level for a socket that does
// not ignore errors: error for the errors of a peer going away, alert
// for the rest.
func sendErrorLevel(errno syscall.Errno) Level {
	switch errno {
	case syscall.ECONNRESET, syscall.EPIPE, syscall.ENOTCONN, syscall.ETIMEDOUT,
		syscall.ECONNREFUSED, syscall.ENETDOWN, syscall.ENETUNREACH,
		syscall.EHOSTDOWN, syscall.EHOSTUNREACH:
		return Error
	}
	return Alert
}

// report logs a failure of the peer to the main error log, the peer
// itself left out.
func (p *SyslogPeer) report(lv Level, msg string) {
	f := syslogReport.Load()
	if f == nil {
		return
	}
	p.busy.Store(true)
	(*f)(lv, msg)
	p.busy.Store(false)
}

// connect is ngx_syslog_init_peer: a non-blocking datagram socket
// connected to the server. On failure it returns the level and the call
// to log.
func (p *SyslogPeer) connect() (fd int, lv Level, what string, err error) {
	var sa syscall.Sockaddr
	family := syscall.AF_UNIX
	if p.cfg.Unix {
		sa = &syscall.SockaddrUnix{Name: p.cfg.Addr}
	} else {
		ap, perr := netip.ParseAddrPort(p.cfg.Addr)
		if perr != nil {
			return -1, Alert, "socket()", syscall.EINVAL
		}
		if ap.Addr().Is4() {
			family = syscall.AF_INET
			sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
		} else {
			family = syscall.AF_INET6
			sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
		}
	}
	fd, err = syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, Alert, "socket()", err
	}
	for {
		err = syscall.Connect(fd, sa)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, Alert, "connect()", err
	}
	return fd, 0, "", nil
}

// Close closes the socket; later messages are dropped.
func (p *SyslogPeer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
	p.closed = true
}
