//go:build unix

package testnet

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// TestClaimAcrossBinaries: a port one running test binary was handed is
// not handed to another until the first exits. The other binary is this
// one, run again as a helper that takes a port, says which, and holds it
// until its stdin closes.
func TestClaimAcrossBinaries(t *testing.T) {
	if os.Getenv("TESTNET_HOLD") != "" {
		p := FreePort(t)
		os.Stdout.WriteString(strconv.Itoa(p) + "\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestClaimAcrossBinaries$")
	cmd.Env = append(os.Environ(), "TESTNET_HOLD=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(line[:len(line)-1])
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	if claim(port) {
		t.Errorf("port %d, held by the helper, was claimed here too", port)
	}
	in.Close()
	cmd.Wait()
	if !claim(port) {
		t.Errorf("port %d stayed claimed after the helper exited", port)
	}
}
