package limit

// TakeConns is the loop of the limit_conn handlers (http's and
// stream's): for each of n limits, limit gives its zone, maximum, key
// value and key text; an empty key is skipped, one over 255 bytes is
// reported to tooLong and skipped, any other takes a count into held.
// passed tells that some key counted. A limit that cannot be taken
// gives back every count held (ngx_*_limit_conn_cleanup_all) and is
// returned as failed, full when at its maximum (else the zone had no
// room for the key).
func TakeConns(held *[]Held, n int, limit func(i int) (z *ConnZone, max int64, key, keyText string), tooLong func(keyText, key string)) (passed bool, failed *ConnZone, full bool) {
	for i := 0; i < n; i++ {
		z, max, k, keyText := limit(i)
		if k == "" {
			continue
		}
		if len(k) > 255 {
			tooLong(keyText, k)
			continue
		}
		passed = true
		h, ok, full := z.Acquire(k, max)
		if ok {
			*held = append(*held, h)
			continue
		}
		ReleaseAll(held)
		return true, z, full
	}
	return passed, nil, false
}

// DryRun is what the limiting line says in dry run.
func DryRun(on bool) string {
	if on {
		return ", dry run,"
	}
	return ""
}

// ReleaseAll gives back the counts of held and empties it.
func ReleaseAll(held *[]Held) {
	for i := range *held {
		(*held)[i].Release()
		(*held)[i] = Held{}
	}
	*held = (*held)[:0]
}
