package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// TestSQLiteOneWriter: on a SQLite file, 32 goroutines write at once, in transactions and
// outside them, while others read, with SQLite's busy timeout at 0 (any wait for the write lock
// would fail at once with SQLITE_BUSY): ent's writes queue for the one writer connection instead,
// so every write succeeds and none is lost.
func TestSQLiteOneWriter(t *testing.T) {
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "w.db")+"?_pragma=busy_timeout(0)", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	const workers, each = 32, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				create := func(c *ent.Client, suffix string) error {
					return c.IdempotencyKey.Create().SetOwner("test").SetOperation("write").SetKey(key + suffix).
						SetRequestHash("h").SetClaim("c").Exec(ctx)
				}
				err := store.InTx(ctx, db.Client, func(ctx context.Context, tx *ent.Client) error {
					if err := create(tx, "-tx"); err != nil {
						return err
					}
					_, err := tx.IdempotencyKey.Query().Count(ctx) // a read inside the transaction
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("transaction %s: %w", key, err)
				}
				if err := create(db.Client, "-root"); err != nil { // outside a transaction
					errs <- fmt.Errorf("write %s: %w", key, err)
				}
				if _, err := db.Client.IdempotencyKey.Query().Count(ctx); err != nil {
					errs <- fmt.Errorf("read: %w", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := db.Client.IdempotencyKey.Query().Count(ctx)
	if err != nil || n != workers*each*2 {
		t.Fatalf("%d rows stored (%v), want %d", n, err, workers*each*2)
	}
}

// TestSQLiteWriterTurn: while a transaction holds the writer's turn, another writer waits for it
// and gives up with its context (a request's deadline), taking nothing; once the transaction
// ends, with a commit or a rollback, the next writer gets its turn.
func TestSQLiteWriterTurn(t *testing.T) {
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "w.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	create := func(ctx context.Context, c *ent.Client, key string) error {
		return c.IdempotencyKey.Create().SetOwner("test").SetOperation("turn").SetKey(key).
			SetRequestHash("h").SetClaim("c").Exec(ctx)
	}
	for _, end := range []string{"commit", "rollback"} {
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := create(ctx, tx.Client(), end+"-in-tx"); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.Client.Tx(cancelled); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: a transaction begun while another holds the turn: %v, want context.Canceled", end, err)
		}
		if err := create(cancelled, db.Client, end+"-outside"); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: a write while a transaction holds the turn: %v, want context.Canceled", end, err)
		}
		if end == "commit" {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := create(ctx, db.Client, end+"-after"); err != nil {
			t.Errorf("after the %s: %v", end, err)
		}
	}
	// A transaction its caller never ends gives the turn back when its context ends (and
	// database/sql rolls it back): the next writer is not blocked for ever.
	abandoned, abandon := context.WithCancel(ctx)
	tx, err := db.Client.Tx(abandoned)
	if err != nil {
		t.Fatal(err)
	}
	if err := create(abandoned, tx.Client(), "abandoned"); err != nil {
		t.Fatal(err)
	}
	abandon()
	within, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := create(within, db.Client, "after-abandoned"); err != nil {
		t.Errorf("a write after a transaction's context ended: %v", err)
	}
	keys, err := db.Client.IdempotencyKey.Query().Select("key").Strings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if want := []string{"after-abandoned", "commit-after", "commit-in-tx", "rollback-after"}; !slices.Equal(keys, want) {
		t.Errorf("stored %v, want %v", keys, want)
	}
}
