//go:build !linux

package httpcore

var testHookWake func(*conn) bool
