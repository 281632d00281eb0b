package tlsconf

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"weir/internal/errlog"
)

// The texts of OpenSSL 3's error queue, as nginx prints them after a
// failed call ("(SSL: error:CODE:LIB::REASON[:DATA] ...)"), for the ways a
// certificate, key, CA, CRL or DH parameters file fails to load.
const (
	errNoStartLine   = "error:0480006C:PEM routines::no start line:Expecting: "
	errASN1X509      = "error:068000A8:asn1 encoding routines::wrong tag error:0688010A:asn1 encoding routines::nested asn1 error:Type=X509 error:0488000D:PEM routines::ASN1 lib"
	errASN1DH        = "error:068000A8:asn1 encoding routines::wrong tag error:0688010A:asn1 encoding routines::nested asn1 error:Type=DHparams error:0488000D:PEM routines::ASN1 lib"
	errNoDecoder     = "error:1E08010C:DECODER routines::unsupported:No supported data to decode. Input type: PEM"
	errNoCertOrCRL   = "error:05800088:x509 certificate routines::no certificate or crl found"
	errKeyMismatch   = "error:05800074:x509 certificate routines::key values mismatch"
	errX509SysLib    = " error:05880002:x509 certificate routines::system lib"
	errX509PKCS8Junk = " error:068000A8:asn1 encoding routines::wrong tag error:0688010A:asn1 encoding routines::nested asn1 error:Type=PKCS8_PRIV_KEY_INFO"
)

// fopenError is a file BIO_new_file could not open: the system error as
// ERR_LIB_SYS packs it (0x80000000 | errno) with fopen's arguments, then
// the BIO library's reason, "no such file" for ENOENT, "system lib" else.
type fopenError struct {
	path, mode string
	errno      syscall.Errno
}

func (e *fopenError) Error() string {
	reason := "error:10080002:BIO routines::system lib"
	if e.errno == syscall.ENOENT || e.errno == syscall.ENXIO {
		reason = "error:10000080:BIO routines::no such file"
	}
	return fmt.Sprintf("SSL: error:%08X:system library::%s:calling fopen(%s, %s) %s",
		0x80000000|uint32(e.errno), errlog.Strerror(e.errno), e.path, e.mode, reason)
}

// bioRead reads a file as BIO_new_file(path, mode) and the PEM readers
// do: the error of a file fopen cannot open is a *fopenError; a directory
// opens (fopen(3) allows it) and reads as nothing.
func bioRead(path, mode string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return nil, err
	}
	if errno == syscall.EISDIR {
		return nil, nil
	}
	return nil, &fopenError{path: path, mode: mode, errno: errno}
}
