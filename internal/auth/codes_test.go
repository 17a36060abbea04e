package auth

import (
	"regexp"
	"testing"
)

func TestCodes(t *testing.T) {
	shape := regexp.MustCompile(`^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`)
	seen := map[string]bool{}
	for range 2000 {
		c := newCode()
		if !shape.MatchString(c) || seen[c] {
			t.Fatalf("code %q (seen before: %v)", c, seen[c])
		}
		seen[c] = true
		if normalizeCode(" "+c[:4]+" "+c[5:9]+c[10:]) != normalizeCode(c) {
			t.Fatalf("typed forms of %q differ", c)
		}
	}
	s := &Service{keys: deriveKeys([]byte("k"))}
	if s.codeHash("abcd-efgh-jkmn") != s.codeHash("ABCDEFGHJKMN") || s.codeHash("ABCDEFGHJKMN") == s.codeHash("ABCDEFGHJKMP") {
		t.Fatal("code hashes do not follow the typed code")
	}
	if other := (&Service{keys: deriveKeys([]byte("other"))}); other.codeHash("ABCDEFGHJKMN") == s.codeHash("ABCDEFGHJKMN") {
		t.Fatal("the hash does not depend on the server key")
	}
}

func TestCommonPasswords(t *testing.T) {
	for _, p := range []string{"password", "1234567890", "qwertyuiop", "Password1234", "iloveyou"} {
		if !IsCommonPassword(p) {
			t.Errorf("%q is not taken for common", p)
		}
	}
	for _, p := range []string{"a good long passphrase", "Tr4m-Ch1m-Bay-Qua"} {
		if IsCommonPassword(p) {
			t.Errorf("%q is taken for common", p)
		}
	}
	long := 0
	for p := range commonPasswords() {
		if len(p) >= 10 {
			long++
		}
	}
	t.Logf("%d common passwords, %d of them of 10 characters or more", len(commonPasswords()), long)
}
