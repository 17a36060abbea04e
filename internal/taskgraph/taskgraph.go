// Package taskgraph runs steps that wait for one another on a fixed number of workers (the
// national seed's loads and index builds, the progress counters' rebuild on PostgreSQL).
package taskgraph

import (
	"context"
	"fmt"
	"sync"
)

// Task is a step that may wait for others (by name).
type Task struct {
	Name string
	Deps []string
	Run  func(ctx context.Context) error
}

// Run runs tasks on n workers: each takes the first task, in list order, whose dependencies are
// done, so the list order is the priority (the national seed lists its loads first, so that
// index builds fill in once a table is loaded while the other worker still loads another). The
// first error cancels the context of the tasks still running, and no task starts after it; Run
// returns it, named after its task.
func Run(ctx context.Context, tasks []Task, n int) error {
	if n < 1 {
		return fmt.Errorf("taskgraph: %d workers", n)
	}
	names := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		if names[t.Name] {
			return fmt.Errorf("taskgraph: two tasks named %q", t.Name)
		}
		names[t.Name] = true
	}
	for _, t := range tasks {
		for _, d := range t.Deps {
			if !names[d] {
				return fmt.Errorf("taskgraph: task %q waits for %q, which is not a task", t.Name, d)
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu        sync.Mutex
		cond      = sync.NewCond(&mu)
		done      = map[string]bool{}
		taken     = make([]bool, len(tasks))
		remaining = len(tasks)
		running   int
		firstErr  error
	)
	ready := func(t Task) bool {
		for _, d := range t.Deps {
			if !done[d] {
				return false
			}
		}
		return true
	}
	// next returns the index of the task to run next, or -1 when there is nothing left to do.
	next := func() int {
		mu.Lock()
		defer mu.Unlock()
		for {
			if firstErr != nil || remaining == 0 {
				return -1
			}
			for i, t := range tasks {
				if !taken[i] && ready(t) {
					taken[i] = true
					running++
					return i
				}
			}
			if running == 0 {
				firstErr = fmt.Errorf("internal: tasks wait for tasks that never run")
				cond.Broadcast()
				return -1
			}
			cond.Wait()
		}
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next()
				if i < 0 {
					return
				}
				err := tasks[i].Run(ctx)
				mu.Lock()
				running--
				remaining--
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", tasks[i].Name, err)
					cancel()
				}
				done[tasks[i].Name] = err == nil
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}
