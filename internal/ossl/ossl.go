// Package ossl does the RSA private-key operation of TLS handshakes with the
// system's OpenSSL libcrypto when it is there, and with Go's crypto/rsa when
// it is not.
//
// Why: a TLS handshake with an RSA certificate costs the server one RSA
// signature (TLS 1.3's CertificateVerify, TLS 1.2's ServerKeyExchange), and
// that signature is most of the handshake's CPU. Go's crypto/rsa signs with
// 2048-bit keys in about 1 ms on the machines weir is measured on; libcrypto
// 3, with its AVX-512 and ADX code, in about 0.25 ms. nginx uses libcrypto,
// so without it weir would do a quarter of nginx's RSA handshakes per second.
// Everything else of TLS (the handshake itself, ECDHE, ECDSA, the record
// layer) stays Go's.
//
// How: libcrypto.so.3 is opened at run time with dlopen, so building weir
// needs only a C compiler (cgo), not OpenSSL's headers, and a weir built
// without cgo, or run where libcrypto 3 is missing, signs with Go. A key is
// handed to libcrypto only after a signature made there verifies with Go's
// public key, so a library that misbehaves is not used.
package ossl

import (
	"crypto"
	"crypto/rsa"
	"io"
)

// RSASigner returns a crypto.Signer and crypto.Decrypter for k that makes
// PKCS #1 v1.5 and PSS signatures with SHA-256, SHA-384 and SHA-512 in
// libcrypto, and does everything else (decryption for RSA key exchange,
// TLS 1.0's MD5+SHA1 signatures) with Go's k. Without libcrypto it returns
// k itself.
func RSASigner(k *rsa.PrivateKey) crypto.Signer {
	p := newKey(k)
	if p == nil {
		return k
	}
	return &rsaKey{PrivateKey: k, p: p}
}

// Library names the libcrypto in use ("OpenSSL 3.0.x ..."), or is empty
// when RSA keys are Go's.
func Library() string { return libraryVersion() }

// rsaKey is a Go RSA key with its libcrypto twin. The embedded key answers
// Public, Decrypt and the signatures libcrypto is not asked for.
type rsaKey struct {
	*rsa.PrivateKey
	p *pkey
}

func (k *rsaKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	pss, isPSS := opts.(*rsa.PSSOptions)
	salt := 0
	if isPSS {
		switch s := pss.SaltLength; {
		case s == rsa.PSSSaltLengthEqualsHash:
			salt = saltDigest
		case s == rsa.PSSSaltLengthAuto:
			salt = saltMax
		case s > 0:
			salt = s
		default:
			return k.PrivateKey.Sign(r, digest, opts)
		}
	}
	if sig, ok := k.p.sign(h, isPSS, salt, digest, k.Size()); ok {
		return sig, nil
	}
	return k.PrivateKey.Sign(r, digest, opts)
}
