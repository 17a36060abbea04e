package loadtest

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestReadRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SKIP: /proc/PID/status is Linux's")
	}
	r, err := ReadRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if r.Current <= 0 || r.Anon <= 0 || r.File <= 0 || r.Peak < r.Current || r.Anon+r.File > r.Current+(1<<20) {
		t.Fatalf("implausible sample of this test process: %+v", r)
	}
	if _, err := ReadRSS(1 << 30); err == nil {
		t.Fatal("no error for a process that cannot exist")
	}
}

func TestWatchRSSKeepsTheHighest(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SKIP: /proc/PID/status is Linux's")
	}
	w, err := WatchRSS(context.Background(), os.Getpid(), 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := ReadRSS(os.Getpid())
	// 64 MB touched page by page, held across a few samples, then dropped.
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	time.Sleep(50 * time.Millisecond)
	runtime.KeepAlive(b)
	got, err := w.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if got.Current < before.Current+60<<20 {
		t.Fatalf("highest sample %s, want at least 60 MB above %s", got, before)
	}
	if got.Peak < got.Current {
		t.Fatalf("lifetime peak below the highest sample: %s", got)
	}
}
