package tlsconf

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"hash"
)

// Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC
// 8018): what `openssl genrsa -aes128` and `openssl pkcs8 -topk8` write
// today. Go's x509 package reads only the legacy PEM encryption, so the
// PBES2 envelope is opened here with PBKDF2 and AES or 3DES in CBC mode.

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algo          algorithmIdentifier
	EncryptedData []byte
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KDF    algorithmIdentifier
	Scheme algorithmIdentifier
}

type pbkdf2Params struct {
	Salt      []byte
	Iter      int
	KeyLength int                 `asn1:"optional"`
	PRF       algorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 opens an EncryptedPrivateKeyInfo with the first password
// that yields a well-formed key.
func decryptPKCS8(der []byte, passwords []string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, err
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, errors.New("unsupported key encryption (only PBES2 is)")
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &p); err != nil {
		return nil, err
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errors.New("unsupported key derivation (only PBKDF2 is)")
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, err
	}
	var h func() hash.Hash
	switch {
	case kp.PRF.Algorithm == nil, kp.PRF.Algorithm.Equal(oidHMACSHA1):
		h = sha1.New
	case kp.PRF.Algorithm.Equal(oidHMACSHA256):
		h = sha256.New
	case kp.PRF.Algorithm.Equal(oidHMACSHA512):
		h = sha512.New
	default:
		return nil, errors.New("unsupported PBKDF2 hash")
	}
	var keyLen int
	var newBlock func([]byte) (cipher.Block, error)
	switch {
	case p.Scheme.Algorithm.Equal(oidAES128CBC):
		keyLen, newBlock = 16, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES192CBC):
		keyLen, newBlock = 24, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES256CBC):
		keyLen, newBlock = 32, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidDESEDE3CBC):
		keyLen, newBlock = 24, des.NewTripleDESCipher
	default:
		return nil, errors.New("unsupported key cipher")
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, err
	}
	for _, pw := range passwords {
		key, err := pbkdf2.Key(h, pw, kp.Salt, kp.Iter, keyLen)
		if err != nil {
			return nil, err
		}
		b, err := newBlock(key)
		if err != nil {
			return nil, err
		}
		if len(iv) != b.BlockSize() || len(info.EncryptedData)%b.BlockSize() != 0 || len(info.EncryptedData) == 0 {
			return nil, errors.New("malformed encrypted key")
		}
		out := make([]byte, len(info.EncryptedData))
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, info.EncryptedData)
		if plain, ok := unpad(out, b.BlockSize()); ok {
			var probe asn1.RawValue
			if rest, err := asn1.Unmarshal(plain, &probe); err == nil && len(rest) == 0 {
				return plain, nil
			}
		}
	}
	return nil, errors.New("bad decrypt: no password of ssl_password_file fits")
}

func unpad(b []byte, bs int) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > bs || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}

// ticketKey derives Go's 32-byte session ticket key from the bytes of an
// ssl_session_ticket_key file.
func ticketKey(b []byte) [32]byte {
	m := hmac.New(sha256.New, []byte("weir session ticket key"))
	m.Write(b)
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}
