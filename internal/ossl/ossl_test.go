package ossl

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"sync"
	"testing"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		testKey = k
	})
	return testKey
}

func twin(t testing.TB) *rsaKey {
	s := RSASigner(key(t))
	k, ok := s.(*rsaKey)
	if !ok {
		if Library() != "" {
			t.Fatalf("libcrypto %q is loaded but the key stayed Go's", Library())
		}
		t.Skip("no libcrypto 3 here: RSA keys are Go's")
	}
	return k
}

// Every signature TLS asks for verifies with Go's public key, whichever side
// made it.
func TestSignVerifies(t *testing.T) {
	k := twin(t)
	t.Logf("libcrypto: %s", Library())
	msg := []byte("the handshake transcript")
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		hh := h.New()
		hh.Write(msg)
		d := hh.Sum(nil)
		sig, err := k.Sign(rand.Reader, d, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, h, d, sig); err != nil {
			t.Errorf("%v PKCS #1 v1.5: %v", h, err)
		}
		for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto, 20} {
			opts := &rsa.PSSOptions{SaltLength: salt, Hash: h}
			sig, err := k.Sign(rand.Reader, d, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := rsa.VerifyPSS(&k.PublicKey, h, d, sig, opts); err != nil {
				t.Errorf("%v PSS salt %d: %v", h, salt, err)
			}
		}
	}
	// what libcrypto is not asked for goes to Go's key: MD5+SHA1 of TLS 1.0
	d := make([]byte, 36)
	sig, err := k.Sign(rand.Reader, d, crypto.MD5SHA1)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.MD5SHA1, d, sig); err != nil {
		t.Errorf("MD5+SHA1: %v", err)
	}
	// and RSA key exchange's decryption
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &k.PublicKey, []byte("premaster"))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := k.Decrypt(rand.Reader, ct, nil)
	if err != nil || string(pt) != "premaster" {
		t.Errorf("Decrypt: %q, %v", pt, err)
	}
}

// libcrypto really made the signature: PKCS #1 v1.5 is deterministic, so it
// equals Go's, and a digest of the wrong length is not signed there.
func TestSignIsLibcrypto(t *testing.T) {
	k := twin(t)
	d := sha256.Sum256([]byte("x"))
	a, ok := k.p.sign(crypto.SHA256, false, 0, d[:], k.Size())
	if !ok {
		t.Fatal("libcrypto refused a SHA-256 PKCS #1 v1.5 signature")
	}
	b, err := rsa.SignPKCS1v15(nil, k.PrivateKey, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("libcrypto's PKCS #1 v1.5 signature differs from Go's")
	}
	if _, ok := k.p.sign(crypto.SHA256, false, 0, d[:31], k.Size()); ok {
		t.Error("a 31-byte SHA-256 digest was signed")
	}
	d5 := sha512.Sum512([]byte("x"))
	if _, ok := k.p.sign(crypto.SHA1, false, 0, d5[:20], k.Size()); ok {
		t.Error("SHA-1 went to libcrypto")
	}
}

func BenchmarkSignPSS(b *testing.B) {
	k := key(b)
	d := sha256.Sum256([]byte("x"))
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			if _, err := k.Sign(rand.Reader, d[:], opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("libcrypto", func(b *testing.B) {
		s := twin(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Sign(rand.Reader, d[:], opts); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkSignPSSOne(b *testing.B) {
	s := twin(b)
	d := sha256.Sum256([]byte("x"))
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	for b.Loop() {
		if _, err := s.Sign(rand.Reader, d[:], opts); err != nil {
			b.Fatal(err)
		}
	}
}
