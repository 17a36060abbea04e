package auth

import (
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn/frequency"
)

// commonPasswords is the list of the 30,000 most common passwords that zxcvbn ships (Dropbox's
// zxcvbn frequency list "passwords", from Mark Burnett's 10 million passwords set), as
// packaged by github.com/trustelem/zxcvbn (MIT). Read once, lower case.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	m := make(map[string]struct{}, len(list))
	for _, p := range list {
		m[strings.ToLower(p)] = struct{}{}
	}
	return m
})

// IsCommonPassword reports whether the password, in any case, is among the most common ones.
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}
