package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

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
