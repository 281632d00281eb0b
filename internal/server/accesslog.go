package server

import (
	"weir/internal/accesslog"
	"weir/internal/errlog"
)

// reopenAccessLogs reopens every open access log file (USR1).
func reopenAccessLogs(c *console) {
	if err := accesslog.Reopen(); err != nil {
		c.Log(errlog.Emerg, err.Error())
	}
}
