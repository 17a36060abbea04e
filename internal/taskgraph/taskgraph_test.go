package taskgraph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestRunOrder: a task starts only once its dependencies are done, one worker takes tasks in
// list order, and every task runs once.
func TestRunOrder(t *testing.T) {
	var mu sync.Mutex
	var order []string
	rec := func(name string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		}
	}
	tasks := []Task{
		{Name: "c", Deps: []string{"a", "b"}, Run: rec("c")},
		{Name: "a", Run: rec("a")},
		{Name: "d", Deps: []string{"c"}, Run: rec("d")},
		{Name: "b", Run: rec("b")},
	}
	if err := Run(context.Background(), tasks, 1); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(order, want) {
		t.Fatalf("one worker ran %v, want %v", order, want)
	}
	order = nil
	if err := Run(context.Background(), tasks, 3); err != nil {
		t.Fatal(err)
	}
	if len(order) != 4 {
		t.Fatalf("three workers ran %v", order)
	}
	at := func(n string) int { return slices.Index(order, n) }
	if at("c") < at("a") || at("c") < at("b") || at("d") < at("c") {
		t.Fatalf("three workers ran %v: a task before its dependencies", order)
	}
}

// TestRunError: the first error is returned with its task's name, cancels the tasks running,
// and no task starts after it.
func TestRunError(t *testing.T) {
	boom := errors.New("boom")
	started := make(chan struct{})
	var after bool
	tasks := []Task{
		{Name: "slow", Run: func(ctx context.Context) error {
			close(started)
			<-ctx.Done() // cancelled by the failure
			return ctx.Err()
		}},
		{Name: "fails", Run: func(context.Context) error { <-started; return boom }},
		{Name: "later", Deps: []string{"fails"}, Run: func(context.Context) error { after = true; return nil }},
	}
	err := Run(context.Background(), tasks, 2)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "fails: ") {
		t.Fatalf("Run = %v, want fails: boom", err)
	}
	if after {
		t.Fatal("a task ran after a failure")
	}
}

// TestRunUnknownDependency: a task waiting for one that is not in the list is an error, not a hang.
func TestRunUnknownDependency(t *testing.T) {
	err := Run(context.Background(), []Task{{Name: "a", Deps: []string{"missing"}, Run: func(context.Context) error { return nil }}}, 2)
	if err == nil {
		t.Fatal("Run with a missing dependency returned nil")
	}
}

// TestRunRefusesBadGraphs: no workers, two tasks of one name and a cycle are errors, not hangs
// or silent successes.
func TestRunRefusesBadGraphs(t *testing.T) {
	ok := func(context.Context) error { return nil }
	if err := Run(context.Background(), []Task{{Name: "a", Run: ok}}, 0); err == nil {
		t.Error("Run with no workers returned nil")
	}
	if err := Run(context.Background(), []Task{{Name: "a", Run: ok}, {Name: "a", Run: ok}}, 2); err == nil {
		t.Error("Run with two tasks named a returned nil")
	}
	cycle := []Task{{Name: "a", Deps: []string{"b"}, Run: ok}, {Name: "b", Deps: []string{"a"}, Run: ok}}
	if err := Run(context.Background(), cycle, 2); err == nil {
		t.Error("Run with a cycle returned nil")
	}
}
