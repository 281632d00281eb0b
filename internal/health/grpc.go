package health

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
)

// A check of type=grpc is the gRPC Health Checking Protocol's call
// grpc.health.v1.Health/Check over HTTP/2 (TLS for grpcs://), asking for
// grpc_service= (the server as a whole when empty). It passes when the
// call ends with grpc-status 0 and the answer's status is SERVING, or
// with the grpc-status grpc_status= names (a server without the health
// service answers 12, UNIMPLEMENTED).

const grpcServing = 1 // HealthCheckResponse.ServingStatus SERVING

// grpcRequest is the length-prefixed HealthCheckRequest message: field 1,
// the service name, when there is one.
func grpcRequest(service string) []byte {
	var msg []byte
	if service != "" {
		msg = append(msg, 0x0a)
		msg = binary.AppendUvarint(msg, uint64(len(service)))
		msg = append(msg, service...)
	}
	b := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(b[1:], uint32(len(msg)))
	return append(b, msg...)
}

// grpcServingStatus reads the status (field 1) of a length-prefixed
// HealthCheckResponse; -1 when the message is not one.
func grpcServingStatus(b []byte) int {
	if len(b) < 5 || b[0] != 0 {
		return -1
	}
	n := int(binary.BigEndian.Uint32(b[1:5]))
	if len(b)-5 < n {
		return -1
	}
	msg := b[5 : 5+n]
	status := 0 // proto3: an absent field is UNKNOWN
	for len(msg) > 0 {
		key, k := binary.Uvarint(msg)
		if k <= 0 {
			return -1
		}
		msg = msg[k:]
		switch key & 7 {
		case 0:
			v, k := binary.Uvarint(msg)
			if k <= 0 {
				return -1
			}
			msg = msg[k:]
			if key>>3 == 1 {
				status = int(v)
			}
		case 2:
			l, k := binary.Uvarint(msg)
			if k <= 0 || uint64(len(msg)-k) < l {
				return -1
			}
			msg = msg[k+int(l):]
		case 1:
			if len(msg) < 8 {
				return -1
			}
			msg = msg[8:]
		case 5:
			if len(msg) < 4 {
				return -1
			}
			msg = msg[4:]
		default:
			return -1
		}
	}
	return status
}

// grpcClient makes the checker's HTTP/2 client: connections are made by
// dial (the connect errors logged as for other checks), with ALPN h2
// over TLS.
func (k *checker) grpcClient(uc *config.UpstreamConf, useTLS bool) *http.Client {
	var p http.Protocols
	tr := &http.Transport{Protocols: &p, DisableCompression: true}
	if useTLS {
		p.SetHTTP2(true)
		tr.DialTLSContext = func(context.Context, string, string) (net.Conn, error) {
			c, _ := k.dial(uc.ConnectTimeout.V, false)
			if c == nil {
				return nil, errDialed
			}
			tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: serverName(k.hc.Pass.Host), NextProtos: []string{"h2"}})
			_ = tc.SetDeadline(time.Now().Add(uc.ConnectTimeout.V))
			if err := tc.Handshake(); err != nil {
				c.Close()
				k.logf(errlog.Error, "SSL_do_handshake() failed while SSL handshaking to upstream")
				return nil, errHandshake
			}
			_ = tc.SetDeadline(time.Time{})
			return tc, nil
		}
	} else {
		p.SetUnencryptedHTTP2(true)
		tr.DialContext = func(context.Context, string, string) (net.Conn, error) {
			c, _ := k.dial(uc.ConnectTimeout.V, false)
			if c == nil {
				return nil, errDialed
			}
			return c, nil
		}
	}
	return &http.Client{Transport: tr}
}

// grpcProbe makes one type=grpc check.
func (k *checker) grpcProbe(uc *config.UpstreamConf, useTLS bool) string {
	if k.h2 == nil || k.hc.KeepaliveTime > 0 && time.Since(k.connFrom) >= k.hc.KeepaliveTime {
		k.closeGRPC()
		k.h2, k.connFrom = k.grpcClient(uc, useTLS), time.Now()
	}
	if k.hc.KeepaliveTime == 0 {
		defer k.closeGRPC()
	}
	scheme := "http://"
	if useTLS {
		scheme = "https://"
	}
	ctx, cancel := context.WithTimeout(k.c.ctx, uc.ConnectTimeout.V+uc.SendTimeout.V+uc.ReadTimeout.V)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", scheme+k.hc.Pass.Host+"/grpc.health.v1.Health/Check", bytes.NewReader(grpcRequest(k.hc.GRPCService)))
	if err != nil {
		return "sending request to upstream"
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	resp, err := k.h2.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, errDialed):
			k.closeGRPC()
			return "connecting to upstream"
		case errors.Is(err, errHandshake):
			k.closeGRPC()
			return "SSL handshaking to upstream"
		case errors.As(err, &ne) && ne.Timeout():
			k.logf(errlog.Error, "upstream timed out (110: Connection timed out) while reading response header from upstream")
		default:
			k.logf(errlog.Error, "upstream prematurely closed connection while reading response header from upstream")
		}
		k.closeGRPC()
		return "reading response header from upstream"
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, config.MatchBodyLimit))
	resp.Body.Close()
	if err != nil {
		k.closeGRPC()
		return k.readError(err, "reading upstream")
	}
	if resp.StatusCode != 200 {
		return "checking status code"
	}
	status := resp.Header.Get("Grpc-Status") // a trailers-only answer
	if status == "" {
		status = resp.Trailer.Get("Grpc-Status")
	}
	if k.hc.GRPCStatus != 0 && status == strconv.Itoa(k.hc.GRPCStatus) {
		return ""
	}
	if status != "0" {
		return "checking gRPC status"
	}
	if grpcServingStatus(body) != grpcServing {
		return "checking gRPC serving status"
	}
	return ""
}

// errDialed and errHandshake mark a connection the dialer failed (and
// logged why).
var (
	errDialed    = errors.New("connecting to upstream")
	errHandshake = errors.New("SSL handshaking to upstream")
)

func (k *checker) closeGRPC() {
	if k.h2 != nil {
		k.h2.CloseIdleConnections()
		k.h2 = nil
	}
}
