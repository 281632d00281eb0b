//go:build !cgo || !linux

package ossl

import (
	"crypto"
	"crypto/rsa"
)

const (
	saltDigest = -1
	saltMax    = -3
)

type pkey struct{}

func newKey(*rsa.PrivateKey) *pkey { return nil }

func libraryVersion() string { return "" }

func (*pkey) sign(crypto.Hash, bool, int, []byte, int) ([]byte, bool) { return nil, false }
