package stream

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/proxyproto"
)

// readProxyHeader is ngx_stream_proxy_protocol_handler for a "listen ...
// proxy_protocol": the header is read within proxy_protocol_timeout,
// before any phase. It returns 0 to go on, else the session's status: a
// refused header is logged with what was read ("broken header: ...") and
// gives 400; a timeout or a failed read ends the session with 200.
func (ss *session) readProxyHeader() int {
	ss.action = "reading PROXY protocol"
	pc := proxyproto.NewConn(ss.c)
	ss.c.SetReadDeadline(time.Now().Add(ss.conf.ProxyProtocolTimeout))
	peeked, err := pc.ReadHeader()
	ss.c.SetReadDeadline(time.Time{})
	switch {
	case errors.Is(err, proxyproto.ErrHeader):
		// nginx 1.22 quotes the whole of what it looked at
		ss.logf(errlog.Error, "broken header: \"%s\"", peeked)
		return 400
	case errors.Is(err, os.ErrDeadlineExceeded):
		ss.logf(errlog.Info, "client timed out (110: Connection timed out)")
		return 200
	case err != nil && !errors.Is(err, io.EOF):
		ss.logf(errlog.Info, "recv() failed %s", errlog.SysError(err))
		return 200
	}
	ss.pp = pc.Header()
	ss.action = "initializing session"
	return 0
}

// proxyProtocolVar is $proxy_protocol_addr and co.: not found without a
// header that gave addresses.
func (ss *session) proxyProtocolVar(name string) (string, bool) {
	h := ss.pp
	if h == nil {
		return "", false
	}
	switch name {
	case "proxy_protocol_addr":
		return h.SrcAddr, true
	case "proxy_protocol_port":
		return strconv.Itoa(h.SrcPort), true
	case "proxy_protocol_server_addr":
		return h.DstAddr, true
	}
	return strconv.Itoa(h.DstPort), true
}

// proxyHeader is the header "proxy_protocol on" sends first to the
// upstream: the client's and the server's addresses as the connection
// has them (ngx_proxy_protocol_write).
func (ss *session) proxyHeader() []byte {
	return proxyproto.V1(addrPort(ss.c.RemoteAddr()), addrPort(ss.c.LocalAddr()))
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// sendProxyHeader sends the "proxy_protocol on" header on a new upstream
// connection, before anything else (and before a proxy_ssl handshake);
// it counts in the bytes sent to the upstream. A datagram session sends
// it with the client's first datagram, as nginx does.
func (ss *session) sendProxyHeader(up net.Conn) error {
	h := ss.proxyHeader()
	if ss.listen.UDP {
		if !ss.ppSent {
			ss.first, ss.ppSent = append(h, ss.first...), true
		}
		return nil
	}
	up.SetWriteDeadline(time.Now().Add(ss.conf.Timeout))
	w, _ := up.Write(h)
	up.SetWriteDeadline(time.Time{})
	ss.upSent.Add(int64(w))
	return nil
}

// realIP is ngx_stream_realip_handler (the post-accept phase): a
// session whose PROXY protocol header came from an address of
// set_real_ip_from takes the header's source address and port as the
// client's, for every phase, variable and log line after it.
func (ss *session) realIP() {
	h := ss.pp
	if h == nil || len(ss.conf.RealIPFrom) == 0 {
		return
	}
	if !config.Trusted(ss.conf.RealIPFrom, ss.client.Addr(), !ss.client.IsValid()) {
		return
	}
	a, err := netip.ParseAddr(h.SrcAddr)
	if err != nil || a.Zone() != "" {
		return
	}
	ss.realip, ss.realipAddr, ss.realipText = true, ss.client, ss.clientText
	ss.client = netip.AddrPortFrom(a, uint16(h.SrcPort))
	ss.clientText = ss.client.Addr().String()
}

// realIPVar is $realip_remote_addr and $realip_remote_port: the
// connection's own client address, before set_real_ip_from replaced it
// (the current one when it did not); a unix-domain client has no port.
func (ss *session) realIPVar(name string) string {
	ap, text := ss.client, ss.clientText
	if ss.realip {
		ap, text = ss.realipAddr, ss.realipText
	}
	if name == "realip_remote_addr" {
		return text
	}
	if !ap.IsValid() || ap.Port() == 0 {
		return ""
	}
	return strconv.Itoa(int(ap.Port()))
}
