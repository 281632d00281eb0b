package httpd

import (
	"strings"

	"weir/internal/config"
	"weir/internal/vars"
)

// browserVar is $modern_browser, $ancient_browser and $msie
// (ngx_http_browser_module).
func (q *request) browserVar(id vars.ID) (string, bool) {
	ua, ok := q.r.Header("user-agent")
	if id == vars.MSIE {
		if ok && classifyUserAgent(ua).msie {
			return "1", true
		}
		return "", true
	}
	bl := &q.lc.Browser
	modern := browserIsModern(bl, ua, ok)
	switch {
	case id == vars.ModernBrowser && modern:
		return bl.ModernValue.V, true
	case id == vars.AncientBrowser && !modern:
		return bl.AncientValue.V, true
	}
	return "", true
}

// browserIsModern is ngx_http_browser: the first browser of the
// modern_browser list found in the User-Agent decides by its version (with
// a list and without unlisted, a browser the list misses is ancient), then
// netscape4 (Mozilla/1 to /4), then the ancient_browser substrings, then
// unlisted.
func browserIsModern(bl *config.BrowserLoc, ua string, haveUA bool) bool {
	modern, ancient := &bl.Modern.V, &bl.Ancient.V
	if !haveUA {
		return modern.Unlisted
	}
	if list := modern.List; list != nil {
		if list[0].Mask != 0 {
			// a level that lists no Opera gets one no version reaches,
			// as Opera may carry MSIE in its User-Agent
			list = append([]config.ModernBrowser{{Mask: 0, Version: config.OperaSentinel}}, list...)
		}
		for _, m := range list {
			if isModern, found := modernVersion(ua, m.Mask, m.Version); found {
				return isModern
			}
		}
		if !modern.Unlisted {
			return false
		}
	}
	if ancient.Netscape4 && len(ua) > len("Mozilla/4.72 ") && strings.HasPrefix(ua, "Mozilla/") && ua[8] > '0' && ua[8] < '5' {
		return false
	}
	for _, a := range ancient.List {
		if strings.Contains(ua, a) {
			return false
		}
	}
	return modern.Unlisted
}

// modernVersion finds the browser of mask in ua (found) and reports
// whether its version is at least min; a dot that takes the version past
// min decides at once, as in nginx.
func modernVersion(ua string, mask int, min uint64) (modern, found bool) {
	m := config.BrowserMasks[mask]
	if m.Skip >= len(ua) {
		return false, false
	}
	i := strings.Index(ua[m.Skip:], m.Find)
	if i < 0 {
		return false, false
	}
	p := m.Skip + i + m.Add
	if p >= len(ua) {
		return false, false
	}
	var version, ver uint64
	scale := uint64(1000000)
	for ; p < len(ua); p++ {
		c := ua[p]
		if c >= '0' && c <= '9' {
			ver = ver*10 + uint64(c-'0')
			continue
		}
		if c != '.' {
			break
		}
		version += ver * scale
		if version > min {
			return true, true
		}
		ver = 0
		scale /= 100
	}
	return version+ver*scale >= min, true
}
