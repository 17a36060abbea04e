package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// RSS is a sample of a process's resident memory (Linux /proc/PID/status), in bytes.
type RSS struct {
	Current int64 // VmRSS: resident now, anonymous and file-backed
	Anon    int64 // RssAnon: the heap, stacks and other private memory
	File    int64 // RssFile: pages of the executable and other mapped files
	Peak    int64 // VmHWM: the highest VmRSS since the process started
}

func (r RSS) String() string {
	return fmt.Sprintf("RSS %s (anon %s, file %s), lifetime peak %s", mb(r.Current), mb(r.Anon), mb(r.File), mb(r.Peak))
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// ReadRSS reads the resident memory of process pid.
func ReadRSS(pid int) (RSS, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return RSS{}, fmt.Errorf("loadtest: memory of process %d: %w", pid, err)
	}
	var r RSS
	fields := map[string]*int64{"VmRSS:": &r.Current, "RssAnon:": &r.Anon, "RssFile:": &r.File, "VmHWM:": &r.Peak}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	found := 0
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) != 3 || string(f[2]) != "kB" {
			continue
		}
		if p, ok := fields[string(f[0])]; ok {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				return RSS{}, fmt.Errorf("loadtest: memory of process %d: %s %w", pid, f[0], err)
			}
			*p = kb << 10
			found++
		}
	}
	if found != len(fields) {
		return RSS{}, fmt.Errorf("loadtest: memory of process %d: /proc status lacks VmRSS, RssAnon, RssFile or VmHWM", pid)
	}
	return r, nil
}

// RSSWatch samples a process's resident memory until stopped and keeps the highest sample.
type RSSWatch struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	max  RSS
	err  error
}

// WatchRSS starts sampling process pid every interval (and once at once: an error there, such as
// no such process, is returned at once).
func WatchRSS(ctx context.Context, pid int, interval time.Duration) (*RSSWatch, error) {
	first, err := ReadRSS(pid)
	if err != nil {
		return nil, err
	}
	w := &RSSWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{}), max: first}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.stop:
				return
			case <-t.C:
			}
			r, err := ReadRSS(pid)
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			if r.Current > w.max.Current {
				w.max = r
			}
			w.mu.Unlock()
		}
	}()
	return w, nil
}

// Stop ends the sampling and returns the sample with the highest RSS (its Peak is the lifetime
// peak at that moment), with a final sample taken now.
func (w *RSSWatch) Stop() (RSS, error) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.max, w.err
	}
	r, err := ReadRSS(w.pid)
	if err != nil {
		return w.max, err
	}
	if r.Current > w.max.Current {
		w.max = r
	}
	w.max.Peak = r.Peak
	return w.max, nil
}
