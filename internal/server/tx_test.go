package server_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// commitBreaker wraps the database driver so that, once armed, the next transaction loses its
// database right before COMMIT (or before its next statement): on PostgreSQL its backend is
// terminated from a second connection (pg_terminate_backend), so lib/pq's real COMMIT or statement
// fails as it does when connections are cut; on SQLite, which has no connection to cut, the
// transaction is rolled back and COMMIT (or the statement) reports a lost connection.
type commitBreaker struct {
	dialect.Driver
	armed          atomic.Bool // break the next COMMIT
	statementArmed atomic.Bool // break the next statement inside a transaction
	admin          *sql.DB     // PostgreSQL: the second connection
}

func (b *commitBreaker) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := b.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &breakingTx{Tx: tx, b: b, ctx: ctx}, nil
}

func (b *commitBreaker) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := b.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &breakingTx{Tx: tx, b: b, ctx: ctx}, nil
}

// execQuerier is what ent's raw ExecContext and QueryContext need of a driver or transaction.
type execQuerier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func (b *commitBreaker) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return b.Driver.(execQuerier).ExecContext(ctx, q, args...)
}

func (b *commitBreaker) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return b.Driver.(execQuerier).QueryContext(ctx, q, args...)
}

func (t *breakingTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.(execQuerier).ExecContext(ctx, q, args...)
}

func (t *breakingTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.(execQuerier).QueryContext(ctx, q, args...)
}

type breakingTx struct {
	dialect.Tx
	b   *commitBreaker
	ctx context.Context
}

func (t *breakingTx) Commit() error {
	if !t.b.armed.CompareAndSwap(true, false) {
		return t.Tx.Commit()
	}
	if err := t.cut(); err != nil {
		_ = t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

// Exec and Query cut the connection before the statement when armed for it (statementArmed).
func (t *breakingTx) Exec(ctx context.Context, q string, args, v any) error {
	if t.b.statementArmed.CompareAndSwap(true, false) {
		if err := t.cut(); err != nil {
			return err
		}
	}
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *breakingTx) Query(ctx context.Context, q string, args, v any) error {
	if t.b.statementArmed.CompareAndSwap(true, false) {
		if err := t.cut(); err != nil {
			return err
		}
	}
	return t.Tx.Query(ctx, q, args, v)
}

// cut terminates the transaction's PostgreSQL backend from the second connection, waiting (up to
// 5 s) until it has exited; on SQLite it returns the error a lost database gives.
func (t *breakingTx) cut() error {
	if t.b.admin == nil {
		return fmt.Errorf("sqlite: disk I/O error: %w", driver.ErrBadConn)
	}
	var rows entsql.Rows
	if err := t.Tx.Query(t.ctx, "SELECT pg_backend_pid()", []any{}, &rows); err != nil {
		return err
	}
	var pid int
	for rows.Next() {
		if err := rows.Scan(&pid); err != nil {
			return err
		}
	}
	rows.Close()
	var gone bool
	if err := t.b.admin.QueryRowContext(t.ctx, "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&gone); err != nil || !gone {
		return errors.Join(errors.New("the test could not terminate the backend"), err)
	}
	return nil
}

// TestCommitFailure: a mutation whose COMMIT fails answers a coded, retryable error and no data
// (before: an uncoded "cannot commit transaction: ..." with the driver's words, which clients
// and the load test counted as neither a success nor an error), nothing is stored, and sending
// it again with the same idempotency key succeeds once.
func TestCommitFailure(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		base := testutil.Open(t, dia)
		breaker := &commitBreaker{}
		if dia == dialect.Postgres {
			admin, err := sql.Open("postgres", base.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Close() })
			breaker.admin = admin
		}
		db, err := store.Open(context.Background(), base.URL, func(d dialect.Driver) dialect.Driver {
			breaker.Driver = d
			return breaker
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1})
		unitID := db.Client.Unit.Query().FirstIDX(ctx)
		api := testutil.NewAPI(t, &testutil.DB{DB: db, URL: base.URL, Counter: base.Counter},
			testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off"}))

		var key [32]byte
		_, _ = rand.Read(key[:])
		description := "Phản ánh thử khi mất kết nối cơ sở dữ liệu: hồ sơ chậm trễ nhiều ngày."
		submit := map[string]any{
			"query": `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { code message } } }`,
			"variables": map[string]any{"in": map[string]any{"channel": "FEEDBACK", "unitId": unitID,
				"category": "NO_BUREAUCRACY", "description": description, "idempotencyKey": hex.EncodeToString(key[:])}},
		}
		stored := func() int {
			return db.Client.CitizenCase.Query().Where(citizencase.Description(description)).CountX(ctx)
		}
		for _, tc := range []struct {
			accept, lang, message string
			status                int
		}{
			{"application/json", "vi", "Không lưu được thay đổi", http.StatusOK},
			{"application/graphql-response+json", "en", "The change could not be saved", http.StatusServiceUnavailable},
		} {
			breaker.armed.Store(true)
			r := api.Post(t, submit, "Accept", tc.accept, "Accept-Language", tc.lang)
			if breaker.armed.Load() {
				t.Fatal("the mutation committed no transaction")
			}
			var raw map[string]json.RawMessage
			_ = json.Unmarshal(r.Raw, &raw)
			if _, hasData := raw["data"]; hasData || strings.Contains(string(r.Raw), "trackingCode") {
				t.Fatalf("%s: a failed commit answered data: %s", tc.accept, r.Raw)
			}
			if r.Status != tc.status || r.Code() != "SERVICE_UNAVAILABLE" || r.Errors[0].Extensions["retryable"] != true ||
				!strings.HasPrefix(r.Errors[0].Message, tc.message) {
				t.Fatalf("%s: got %d %s, want %d SERVICE_UNAVAILABLE retryable %q", tc.accept, r.Status, r.Raw, tc.status, tc.message)
			}
			if n := stored(); n != 0 {
				t.Fatalf("%d cases stored by a failed commit", n)
			}
		}
		if !strings.Contains(api.Logs.String(), "mutation not saved") {
			t.Fatalf("the failed commit was not logged:\n%s", api.Logs)
		}
		// The connection cut while the resolver works: the same code, nothing done, a warning.
		breaker.statementArmed.Store(true)
		r := api.Post(t, submit, "Accept-Language", "en")
		if breaker.statementArmed.Load() {
			t.Fatal("the mutation ran no statement in its transaction")
		}
		if r.Code() != "SERVICE_UNAVAILABLE" || r.Errors[0].Extensions["retryable"] != true || r.Data != nil ||
			!strings.Contains(r.Errors[0].Message, "was not carried out") || stored() != 0 {
			t.Fatalf("connection cut in the resolver: %s, %d stored", r.Raw, stored())
		}
		if strings.Contains(api.Logs.String(), `"level":"ERROR","msg":"internal error"`) ||
			!strings.Contains(api.Logs.String(), "database connection lost") {
			t.Fatalf("a lost connection logged as an internal error, or not at all:\n%s", api.Logs)
		}
		var out struct {
			CaseSubmit struct{ TrackingCode *string }
		}
		api.Post(t, submit).Decode(t, &out)
		again := api.Post(t, submit)
		var replay struct {
			CaseSubmit struct{ TrackingCode *string }
		}
		again.Decode(t, &replay)
		if out.CaseSubmit.TrackingCode == nil || replay.CaseSubmit.TrackingCode == nil ||
			*replay.CaseSubmit.TrackingCode != *out.CaseSubmit.TrackingCode || stored() != 1 {
			t.Fatalf("the retry after the failure: %v / %v, %d stored", out.CaseSubmit.TrackingCode, replay.CaseSubmit.TrackingCode, stored())
		}
	})
}

// TestUserErrorRollsBack: a mutation field answering with userErrors keeps nothing it wrote
// before the error, alone in its operation or beside another mutation field (rolled back to its
// savepoint, while the other field's write stands). The user error is forced by an ent hook
// refusing the received event of a case whose place says so, after the case row was inserted.
func TestUserErrorRollsBack(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		const refused = "REFUSE-AFTER-WRITE"
		d.o.db.Client.CaseEvent.Use(func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if id, ok := m.(*ent.CaseEventMutation).CaseID(); ok {
					c, err := m.(*ent.CaseEventMutation).Client().CitizenCase.Get(authz.System(ctx, authz.SysTestFixture), id)
					if err == nil && c.Place != nil && *c.Place == refused {
						return nil, apperr.BadInput("từ chối", "refused", "input", "place")
					}
				}
				return next.Mutate(ctx, m)
			})
		})
		r := cwSubmit(t, d.citizen, d.input(map[string]any{"place": refused}))
		if len(r.UserErrors) != 1 || r.UserErrors[0].Code != apperr.BadUserInput {
			t.Fatalf("want the forced user error, got %+v", r)
		}
		if n := d.cases(); n != 0 {
			t.Fatalf("%d cases kept after a user error", n)
		}

		// Two fields: the first submits, the second is refused after its write.
		q := `mutation($a: CaseSubmitInput!, $b: CaseSubmitInput!) {
			a: caseSubmit(input: $a) { trackingCode userErrors { code } }
			b: caseSubmit(input: $b) { trackingCode userErrors { code } } }`
		var out struct {
			A, B struct {
				TrackingCode *string
				UserErrors   []struct{ Code string }
			}
		}
		d.citizen.Query(t, q, map[string]any{"a": d.input(nil), "b": d.input(map[string]any{"place": refused})}).Decode(t, &out)
		if out.A.TrackingCode == nil || len(out.A.UserErrors) != 0 || len(out.B.UserErrors) != 1 {
			t.Fatalf("want a submitted and b refused, got %+v", out)
		}
		if n := d.cases(); n != 1 {
			t.Fatalf("%d cases kept, want only a's", n)
		}
		d.caseID(t, *out.A.TrackingCode)
	})
}
