//go:build unix

package testnet

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

var (
	claimOnce sync.Once
	claimFile *os.File // open for the life of the binary: closing it drops every claim
)

// claim takes port for this test binary with a write lock on byte port
// of a file all test binaries share. The kernel drops the lock when the
// binary exits, however it exits. A port another running binary claimed
// is refused; without the file every port is claimable.
func claim(port int) bool {
	claimOnce.Do(func() {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), "weir-testnet-ports.lock"), os.O_RDWR|os.O_CREATE, 0o666)
		if err == nil {
			claimFile = f
		}
	})
	if claimFile == nil {
		return true
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: int64(port), Len: 1}
	return syscall.FcntlFlock(claimFile.Fd(), syscall.F_SETLK, &lk) == nil
}
