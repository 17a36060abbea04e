package testutil

import (
	"bytes"
	"sync"
	"testing"
)

// responses keeps every response body an API produced, so a test can check none of them leaks
// something it must not (a reporter's identity).
type responses struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *responses) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, bytes.Clone(b))
}

// WatchLeaks makes the API remember its responses and, when the test ends, fail if any response
// other than those allowed contains one of the secrets. allowed reports whether a body may
// legitimately contain them (the reporter read of the assigned handler, say).
func (a *API) WatchLeaks(tb testing.TB, secrets []string, allowed func(body []byte) bool) {
	tb.Helper()
	a.seen = &responses{}
	seen := a.seen
	tb.Cleanup(func() {
		seen.mu.Lock()
		defer seen.mu.Unlock()
		checked := 0
		for _, b := range seen.bodies {
			if allowed != nil && allowed(b) {
				continue
			}
			checked++
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					tb.Errorf("a response leaks %q: %.300s", s, b)
				}
			}
		}
		tb.Logf("leak check: %d responses checked for %d secrets", checked, len(secrets))
	})
}
