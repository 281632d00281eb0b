package httpcore

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/net/http2"
)

// checkFrame looks at a frame before the Framer parses it, as nginx's
// frame states do (ngx_http_v2_state_head and the handler of each type),
// so that a frame nginx refuses ends the connection with nginx's own
// error-log line and GOAWAY code, and an unknown type is noted as nginx
// notes it. h is the frame header; p the payload when it is buffered
// whole (nil otherwise).
func (hc *h2Conn) checkFrame(h, p []byte) error {
	length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	typ, flags := http2.FrameType(h[3]), http2.Flags(h[4])
	sid := binary.BigEndian.Uint32(h[5:9]) & (1<<31 - 1)
	connErr := func(code http2.ErrCode, msg string) error { return errH2ConnMsg{code, "client sent " + msg} }
	lenErr := func(name string) error {
		return connErr(http2.ErrCodeFrameSize, name+" frame with incorrect length "+strconv.Itoa(length))
	}
	idErr := func(name string) error {
		return connErr(http2.ErrCodeProtocol, name+" frame with incorrect identifier")
	}

	if hc.contID != 0 {
		// a header block goes on in CONTINUATION frames only
		if typ != http2.FrameContinuation {
			return connErr(http2.ErrCodeProtocol, "inappropriate frame while CONTINUATION was expected")
		}
		if sid != hc.contID {
			return idErr("CONTINUATION")
		}
		if flags.Has(http2.FlagContinuationEndHeaders) {
			hc.contID = 0
		}
		return nil
	}
	switch typ {
	case http2.FrameData:
		if sid == 0 {
			return idErr("DATA")
		}
	case http2.FrameHeaders:
		if sid == 0 {
			// the Framer refuses it before onHeaders sees it
			return connErr(http2.ErrCodeProtocol, "HEADERS frame with incorrect identifier 0, the last was "+strconv.Itoa(int(hc.maxID)))
		}
		if !flags.Has(http2.FlagHeadersEndHeaders) {
			hc.contID = sid
		}
	case http2.FramePriority:
		if length != 5 {
			return lenErr("PRIORITY")
		}
		if p == nil {
			return nil
		}
		if sid == 0 {
			return idErr("PRIORITY")
		}
		if binary.BigEndian.Uint32(p)&(1<<31-1) == sid {
			return connErr(http2.ErrCodeProtocol, "PRIORITY frame for stream "+strconv.Itoa(int(sid))+" with incorrect dependency")
		}
	case http2.FrameRSTStream:
		if length != 4 {
			return lenErr("RST_STREAM")
		}
		if sid == 0 {
			return idErr("RST_STREAM")
		}
	case http2.FrameSettings:
		if sid != 0 {
			return idErr("SETTINGS")
		}
		if flags == http2.FlagSettingsAck {
			if length != 0 {
				return connErr(http2.ErrCodeFrameSize, "SETTINGS frame with the ACK flag and nonzero length")
			}
			return nil
		}
		if length%6 != 0 {
			return lenErr("SETTINGS")
		}
		for ; len(p) >= 6; p = p[6:] {
			id, v := http2.SettingID(binary.BigEndian.Uint16(p)), binary.BigEndian.Uint32(p[2:])
			bad := http2.ErrCode(0)
			switch {
			case id == http2.SettingInitialWindowSize && v > h2MaxWindow:
				bad = http2.ErrCodeFlowControl
			case id == http2.SettingMaxFrameSize && (v < h2MinFrameSize || v > h2AnnouncedFrameSize),
				id == http2.SettingEnablePush && v > 1:
				bad = http2.ErrCodeProtocol
			}
			if bad != 0 {
				return connErr(bad, "SETTINGS frame with incorrect "+id.String()+" value "+strconv.FormatUint(uint64(v), 10))
			}
		}
	case http2.FramePushPromise:
		return connErr(http2.ErrCodeProtocol, "PUSH_PROMISE frame")
	case http2.FramePing:
		if length != 8 {
			return lenErr("PING")
		}
		if sid != 0 {
			return idErr("PING")
		}
	case http2.FrameGoAway:
		if length < 8 {
			return lenErr("GOAWAY")
		}
		if sid != 0 {
			return idErr("GOAWAY")
		}
	case http2.FrameWindowUpdate:
		if length != 4 {
			return lenErr("WINDOW_UPDATE")
		}
		if p != nil && binary.BigEndian.Uint32(p)&(1<<31-1) == 0 {
			return connErr(http2.ErrCodeProtocol, "WINDOW_UPDATE frame with incorrect window increment 0")
		}
	case http2.FrameContinuation:
		return connErr(http2.ErrCodeProtocol, "unexpected CONTINUATION frame")
	default:
		// skipped
		hc.c.srv.logf(logInfo, &hc.c.info, "client sent frame with unknown type %d while processing HTTP/2 connection", typ)
	}
	return nil
}
