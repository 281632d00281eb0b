//go:build !linux

package httpcore

// setWakeHook has nothing to hook where there is no poller.
func setWakeHook(func(*conn) bool) {}
