package seed

import (
	"context"
	"fmt"
	"sync"
)

// task is a step of the load that may wait for others (by name).
type task struct {
	name string
	deps []string
	run  func(ctx context.Context) error
}

// runTasks runs tasks on n workers: each takes the first task, in list order, whose dependencies
// are done. Loads come first in the list, so that index builds fill in once a table is loaded
// while the other worker still loads another.
func runTasks(ctx context.Context, tasks []task, n int) error {
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
	ready := func(t task) bool {
		for _, d := range t.deps {
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
				err := tasks[i].run(ctx)
				mu.Lock()
				running--
				remaining--
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", tasks[i].name, err)
					cancel()
				}
				done[tasks[i].name] = err == nil
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}
