//go:build cgo && linux

package ossl

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

// libcrypto's objects are opaque here: weir declares the few functions it
// calls itself instead of needing OpenSSL's headers to build.
typedef struct ossl_pkey ossl_pkey;
typedef struct ossl_ctx ossl_ctx;
typedef struct ossl_md ossl_md;

static struct {
	ossl_pkey *(*d2i_PrivateKey)(int, ossl_pkey **, const unsigned char **, long);
	void (*EVP_PKEY_free)(ossl_pkey *);
	ossl_ctx *(*EVP_PKEY_CTX_new)(ossl_pkey *, void *);
	void (*EVP_PKEY_CTX_free)(ossl_ctx *);
	int (*EVP_PKEY_sign_init)(ossl_ctx *);
	int (*EVP_PKEY_CTX_set_rsa_padding)(ossl_ctx *, int);
	int (*EVP_PKEY_CTX_set_rsa_pss_saltlen)(ossl_ctx *, int);
	int (*EVP_PKEY_CTX_set_signature_md)(ossl_ctx *, const ossl_md *);
	int (*EVP_PKEY_sign)(ossl_ctx *, unsigned char *, size_t *, const unsigned char *, size_t);
	void (*ERR_clear_error)(void);
	const char *(*OpenSSL_version)(int);
	unsigned long (*OpenSSL_version_num)(void);
	const ossl_md *(*EVP_sha256)(void);
	const ossl_md *(*EVP_sha384)(void);
	const ossl_md *(*EVP_sha512)(void);
} fn;

static const ossl_md *md_sha256, *md_sha384, *md_sha512;

#define LOAD(name) if ((*(void **)&fn.name = dlsym(lib, #name)) == NULL) return 0

// ossl_load opens libcrypto 3 and finds its functions: 1 on success.
static int ossl_load(void) {
	void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) return 0;
	LOAD(OpenSSL_version_num);
	if (fn.OpenSSL_version_num() < 0x30000000UL) return 0;
	LOAD(d2i_PrivateKey);
	LOAD(EVP_PKEY_free);
	LOAD(EVP_PKEY_CTX_new);
	LOAD(EVP_PKEY_CTX_free);
	LOAD(EVP_PKEY_sign_init);
	LOAD(EVP_PKEY_CTX_set_rsa_padding);
	LOAD(EVP_PKEY_CTX_set_rsa_pss_saltlen);
	LOAD(EVP_PKEY_CTX_set_signature_md);
	LOAD(EVP_PKEY_sign);
	LOAD(ERR_clear_error);
	LOAD(OpenSSL_version);
	LOAD(EVP_sha256);
	LOAD(EVP_sha384);
	LOAD(EVP_sha512);
	md_sha256 = fn.EVP_sha256();
	md_sha384 = fn.EVP_sha384();
	md_sha512 = fn.EVP_sha512();
	return md_sha256 && md_sha384 && md_sha512;
}

static const char *ossl_version(void) { return fn.OpenSSL_version(0); }

// ossl_rsa_key reads a PKCS #1 RSAPrivateKey (EVP_PKEY_RSA is 6).
static ossl_pkey *ossl_rsa_key(const unsigned char *der, long n) {
	ossl_pkey *k = fn.d2i_PrivateKey(6, NULL, &der, n);
	if (k == NULL) fn.ERR_clear_error();
	return k;
}

static void ossl_free(ossl_pkey *k) { fn.EVP_PKEY_free(k); }

// ossl_sign signs a digest: md 1, 2, 3 for SHA-256, -384, -512; pss 0 for
// PKCS #1 v1.5 padding, else PSS with the salt length given. It returns the
// signature's length, or 0.
static size_t ossl_sign(ossl_pkey *k, int md, int pss, int salt,
		const unsigned char *digest, size_t dlen, unsigned char *sig, size_t slen) {
	const ossl_md *m = md == 1 ? md_sha256 : md == 2 ? md_sha384 : md_sha512;
	ossl_ctx *c = fn.EVP_PKEY_CTX_new(k, NULL);
	if (c == NULL) goto fail;
	if (fn.EVP_PKEY_sign_init(c) <= 0
		|| fn.EVP_PKEY_CTX_set_rsa_padding(c, pss ? 6 : 1) <= 0
		|| fn.EVP_PKEY_CTX_set_signature_md(c, m) <= 0
		|| (pss && fn.EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt) <= 0)
		|| fn.EVP_PKEY_sign(c, sig, &slen, digest, dlen) <= 0) {
		fn.EVP_PKEY_CTX_free(c);
		goto fail;
	}
	fn.EVP_PKEY_CTX_free(c);
	return slen;
fail:
	fn.ERR_clear_error();
	return 0;
}
*/
import "C"

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"runtime"
	"sync"
	"unsafe"
)

// libcrypto's constants for the PSS salt length.
const (
	saltDigest = -1 // RSA_PSS_SALTLEN_DIGEST
	saltMax    = -3 // RSA_PSS_SALTLEN_MAX
)

var (
	loadOnce sync.Once
	loaded   bool
)

func load() bool {
	loadOnce.Do(func() { loaded = C.ossl_load() == 1 })
	return loaded
}

func libraryVersion() string {
	if !load() {
		return ""
	}
	return C.GoString(C.ossl_version())
}

// pkey is a key in libcrypto, freed when the Go value is collected.
type pkey struct {
	k *C.ossl_pkey
}

func newKey(k *rsa.PrivateKey) *pkey {
	if !load() {
		return nil
	}
	der := x509.MarshalPKCS1PrivateKey(k)
	ck := C.ossl_rsa_key((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	clear(der)
	if ck == nil {
		return nil
	}
	p := &pkey{k: ck}
	runtime.AddCleanup(p, func(ck *C.ossl_pkey) { C.ossl_free(ck) }, ck)
	// the twin must sign as Go's key verifies, or it is not used
	d := sha256.Sum256([]byte("weir: libcrypto self-test"))
	for _, pss := range []bool{false, true} {
		sig, ok := p.sign(crypto.SHA256, pss, saltDigest, d[:], k.Size())
		if !ok {
			return nil
		}
		var err error
		if pss {
			err = rsa.VerifyPSS(&k.PublicKey, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, d[:], sig)
		}
		if err != nil {
			return nil
		}
	}
	return p
}

// sign makes a signature in libcrypto; false leaves it to Go.
func (p *pkey) sign(h crypto.Hash, pss bool, salt int, digest []byte, size int) ([]byte, bool) {
	var md C.int
	switch h {
	case crypto.SHA256:
		md = 1
	case crypto.SHA384:
		md = 2
	case crypto.SHA512:
		md = 3
	default:
		return nil, false
	}
	if len(digest) != h.Size() {
		return nil, false
	}
	ps := C.int(0)
	if pss {
		ps = 1
	}
	sig := make([]byte, size)
	n := C.ossl_sign(p.k, md, ps, C.int(salt), (*C.uchar)(unsafe.Pointer(&digest[0])), C.size_t(len(digest)),
		(*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)))
	runtime.KeepAlive(p)
	if n == 0 || int(n) > size {
		return nil, false
	}
	return sig[:n], true
}
