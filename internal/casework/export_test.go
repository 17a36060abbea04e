package casework

import (
	"sync/atomic"
	"testing"
	"time"
)

// HoldGroups makes group writers wait until n submissions are queued, so that a test's
// concurrent submissions are written as one group (the first writer to take from the queue takes
// them all). After 30 s without them the test fails: its submissions did not form a group.
func HoldGroups(tb testing.TB, n int) {
	var released atomic.Bool
	f := func(queued func() int) {
		for end := time.Now().Add(30 * time.Second); !released.Load(); time.Sleep(time.Millisecond) {
			if q := queued(); q >= n {
				released.Store(true)
			} else if time.Now().After(end) {
				released.Store(true)
				tb.Errorf("HoldGroups: %d of %d submissions queued after 30 s: no group formed", q, n)
			}
		}
	}
	groupHold.Store(&f)
	tb.Cleanup(func() { groupHold.Store(nil) })
}
