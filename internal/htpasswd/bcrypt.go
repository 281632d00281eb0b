package htpasswd

// bcryptHash is crypt_r's bcrypt; not implemented yet.
func bcryptHash(key, setting string) (string, bool) { return "", false }
