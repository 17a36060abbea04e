package server

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestAdmission: never more operations at once than the bound, every one served in turn; a wait
// ends at the timeout or with the request, without a turn taken.
func TestAdmission(t *testing.T) {
	a := newAdmission(2, time.Minute)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := a.acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(5 * time.Millisecond)
			release()
		}()
	}
	wg.Wait()
	if p := a.peak.Load(); p < 1 || p > 2 {
		t.Errorf("peak %d operations at once, bound 2", p)
	}
	if a.running.Load() != 0 || len(a.slots) != 0 {
		t.Fatalf("turns left taken: %d running, %d slots", a.running.Load(), len(a.slots))
	}

	short := newAdmission(1, 20*time.Millisecond)
	hold, _ := short.acquire(context.Background())
	start := time.Now()
	if _, err := short.acquire(context.Background()); !errors.Is(err, errBusy) {
		t.Fatalf("a wait past the timeout: %v", err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Error("gave up before the timeout")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := short.acquire(ctx); !errors.Is(err, errBusy) {
		t.Fatalf("a wait whose request went away: %v", err)
	}
	hold()
	if release, err := short.acquire(context.Background()); err != nil {
		t.Fatalf("the freed turn: %v", err)
	} else {
		release()
	}
	if release, err := (*admission)(nil).acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		release() // no bound
	}
}
