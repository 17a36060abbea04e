package casework

import (
	"sync/atomic"
	"testing"
	"time"
)

// HoldGroups makes group writers wait until n submissions are queued (or 30 s have passed), so
// that a test's concurrent submissions are written as one group (the first writer to take from
// the queue takes them all).
func HoldGroups(tb testing.TB, n int) {
	var released atomic.Bool
	f := func(queued func() int) {
		for end := time.Now().Add(30 * time.Second); !released.Load() && time.Now().Before(end); time.Sleep(time.Millisecond) {
			if queued() >= n {
				released.Store(true)
			}
		}
	}
	groupHold.Store(&f)
	tb.Cleanup(func() { groupHold.Store(nil) })
}
