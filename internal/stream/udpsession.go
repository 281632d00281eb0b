package stream

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"weir/internal/errlog"
	"weir/internal/upstream"
)

// udp is the "udp " nginx puts before "client" and "proxy" in the lines
// of a datagram session.
func (ss *session) udp() string {
	if ss.listen.UDP {
		return "udp "
	}
	return ""
}

// readFirst takes the datagram that made the session: nginx reads it
// with the connection (s->received counts it) and proxies it as the
// first request.
func (ss *session) readFirst() {
	buf := make([]byte, 65536)
	ss.c.SetReadDeadline(time.Now().Add(time.Second))
	n, err := ss.c.Read(buf)
	ss.c.SetReadDeadline(time.Time{})
	if err == nil {
		ss.first = buf[:n]
		ss.received.Add(int64(n))
	}
}

// udpState is the packet counts of a UDP session (u->requests,
// u->responses) and its end.
type udpState struct {
	mu        sync.Mutex
	requests  int
	responses int
	detached  bool
	done      bool
	status    int
	end       chan struct{}
}

// relayUDP is ngx_stream_proxy_process for a datagram session: each
// datagram from the client goes to the upstream as one, each one back to
// the client; the session ends when proxy_responses answers have come
// for every request (after proxy_requests requests, the client's next
// datagrams making a new session), or when nothing moves for
// proxy_timeout: with all the answers expected in, "udp timed out" and
// 200, else "upstream timed out" and 502.
func (ss *session) relayUDP(t0 time.Time) int {
	cf := ss.conf
	ss.plain(errlog.Info, "udp proxy %s connected to %s", ss.up.LocalAddr().String(), ss.peer.Name)
	ss.action = "proxying connection"
	ss.touch()
	st := &udpState{end: make(chan struct{}), status: 200}
	finish := func(status int) {
		if !st.done {
			st.done, st.status = true, status
			close(st.end)
		}
	}
	// check is ngx_stream_proxy_test_finalize for SOCK_DGRAM, under st.mu
	check := func() {
		if st.done {
			return
		}
		if cf.Requests > 0 && st.requests < cf.Requests {
			return
		}
		if cf.Requests > 0 && !st.detached {
			st.detached = true
			if d, ok := ss.c.(interface{ Detach() }); ok {
				d.Detach()
			}
		}
		if cf.Responses < 0 || st.responses < cf.Responses*st.requests {
			return
		}
		ss.plain(errlog.Info, "udp done, %s", ss.packets(st))
		finish(200)
	}
	send := func(b []byte) {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.done {
			return
		}
		st.requests++
		w, _ := ss.up.Write(b)
		ss.upSent.Add(int64(w))
		ss.touch()
		check()
	}
	if ss.first != nil {
		send(ss.first)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, cf.BufferSize)
		for {
			n, err := ss.c.Read(buf)
			if err != nil {
				// the session closed, or aborted (CloseAll)
				st.mu.Lock()
				finish(200)
				st.mu.Unlock()
				return
			}
			ss.received.Add(int64(n))
			send(buf[:n])
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, cf.BufferSize)
		pending := false  // a datagram already waiting: no check before it
		var peekErr error // an error the look for a waiting datagram took
		for {
			n, err := 0, peekErr
			if err == nil {
				n, err = ss.up.Read(buf)
			}
			if err != nil && errors.Is(err, net.ErrClosed) {
				return
			}
			if !pending {
				st.mu.Lock()
			}
			if st.done {
				st.mu.Unlock()
				return
			}
			if err != nil {
				// a refused datagram: nginx logs the recv() error and
				// passes on an empty datagram as the answer
				ss.action = "proxying and reading from upstream"
				ss.logf(errlog.Error, "recv() failed %s", errlog.SysError(err))
				ss.action = "proxying connection"
				n = 0
			}
			if ss.tried[len(ss.tried)-1].firstByte < 0 {
				ss.tried[len(ss.tried)-1].firstByte = time.Since(t0)
			}
			st.responses++
			ss.upRecv.Add(int64(n))
			w, _ := ss.c.Write(buf[:n])
			ss.sent.Add(int64(w))
			ss.touch()
			eof := err != nil
			// nginx reads every datagram ready before it tests the end
			if !eof {
				pending, peekErr = readable(ss.up)
			}
			if pending {
				continue
			}
			check()
			st.mu.Unlock()
			if eof {
				return
			}
		}
	}()
	timer := time.NewTimer(cf.Timeout)
	defer timer.Stop()
	failed := false
wait:
	for {
		select {
		case <-st.end:
			break wait
		case <-timer.C:
			idle := time.Since(time.Unix(0, ss.lastSeen.Load()))
			if idle < cf.Timeout {
				timer.Reset(cf.Timeout - idle)
				continue
			}
			st.mu.Lock()
			if !st.done {
				if cf.Responses < 0 || st.responses >= cf.Responses*st.requests {
					ss.plain(errlog.Info, "udp timed out, %s", ss.packets(st))
					finish(200)
				} else {
					ss.logf(errlog.Error, "upstream timed out (110: Connection timed out)")
					failed = true
					finish(502)
				}
			}
			st.mu.Unlock()
			break wait
		}
	}
	state := upstream.StateOK
	if failed {
		state = upstream.StateFailed
	}
	ss.endRelay(t0, &wg, state)
	return st.status
}

// readable tells whether a datagram or an error is waiting on c; an
// error (a refused datagram's) is returned, as the peek took it.
func readable(c net.Conn) (bool, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, nil
	}
	ready := false
	var perr error
	rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			ready = true
		case err != syscall.EAGAIN && err != syscall.EINTR:
			ready, perr = true, os.NewSyscallError("recvfrom", err)
		}
		return true
	})
	return ready, perr
}

// packets is the end of the "udp done" and "udp timed out" lines.
func (ss *session) packets(st *udpState) string {
	return fmt.Sprintf("packets from/to client:%d/%d", st.requests, st.responses) + ss.bytes()
}
