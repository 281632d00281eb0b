//go:build race

package regex

// raceEnabled skips the nginx differential under -race, where each fork
// of nginx costs about 100 ms instead of 5.
const raceEnabled = true
