package server

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errBusy is a wait for a turn that ran out (the request's timeout) or whose request went away.
var errBusy = errors.New("server busy")

// admission bounds the GraphQL operations executing at once over HTTP
// (MAX_CONCURRENT_OPERATIONS): each holds its result tree in memory until it is written, so 32
// clients reading 762 nodes each held 107 MB of heap where 8 at a time hold a quarter of it, and
// two processors answer no faster with more at once. Others wait for a turn, at most the request
// timeout. Subscriptions (WebSockets) and answers from the reference cache do not take one.
type admission struct {
	slots   chan struct{}
	wait    time.Duration
	running atomic.Int64 // operations holding a turn now
	peak    atomic.Int64 // the most that ever did at once
}

// newAdmission returns the bound of n operations at once (nil: no bound).
func newAdmission(n int, wait time.Duration) *admission {
	if n <= 0 {
		return nil
	}
	return &admission{slots: make(chan struct{}, n), wait: wait}
}

// acquire waits for a turn, at most a.wait; release gives it back.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	if a == nil {
		return func() {}, nil
	}
	select {
	case a.slots <- struct{}{}:
	default:
		t := time.NewTimer(a.wait)
		defer t.Stop()
		select {
		case a.slots <- struct{}{}:
		case <-t.C:
			return nil, errBusy
		case <-ctx.Done():
			return nil, errBusy
		}
	}
	for n, p := a.running.Add(1), a.peak.Load(); n > p && !a.peak.CompareAndSwap(p, n); p = a.peak.Load() {
	}
	return func() {
		a.running.Add(-1)
		<-a.slots
	}, nil
}

// admissionYieldKey carries the function that gives the operation's turn back before it ends.
type admissionYieldKey struct{}

// admissionYield returns the function that gives ctx's operation's turn back (idempotent), or a
// function that does nothing outside an admitted operation.
func admissionYield(ctx context.Context) func() {
	if f, ok := ctx.Value(admissionYieldKey{}).(func()); ok {
		return f
	}
	return func() {}
}
