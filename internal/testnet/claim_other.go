//go:build !unix

package testnet

// claim is a no-op where fcntl locks are not at hand.
func claim(port int) bool { return true }
