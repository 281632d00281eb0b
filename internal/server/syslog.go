package server

import (
	"os"
	"strings"

	"weir/internal/errlog"
)

// setSyslogHostname gives the syslog header the host name nginx keeps in
// cycle->hostname: gethostname(), lower-cased.
func setSyslogHostname() {
	name, err := os.Hostname()
	if err != nil {
		return
	}
	errlog.SetSyslogHostname(strings.ToLower(name))
}
