package roster

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Querier is what ApplyFile runs its statements on (an ent transaction's client).
type Querier = querier

// ApplyFile plans a CSV roster against the database in q's transaction (tx is the same
// transaction) and applies it with the batched writer, or with the reference that writes a
// statement per changed official (rowwise). The officials it creates get the ids off_new000001,
// ... so that two applications can be compared. It returns the plan's counts and the number of
// statements the writing took.
func ApplyFile(ctx context.Context, q Querier, tx *sql.Tx, dia string, sc Scope, mode Mode, day time.Time, data []byte, now time.Time,
	rowwise bool) (counts [5]int, statements int, err error) {
	rows, issues := Parse(CSV, data, nil)
	n := 0
	d := db{q: q, dialect: dia, tx: tx, stmts: &n}
	if rowwise {
		d.tx = nil // multi-row INSERTs, as before COPY
	}
	p, err := makePlan(ctx, d, sc, mode, day, rows, len(rows), issues, nil)
	if err != nil {
		return counts, 0, err
	}
	if len(p.Issues) > 0 {
		return counts, 0, fmt.Errorf("the file has %d errors: %+v", len(p.Issues), p.Issues[0])
	}
	created := make([]string, len(p.creates))
	for i := range created {
		created[i] = fmt.Sprintf("off_new%06d", i+1)
	}
	n = 0
	if rowwise {
		err = p.applyRowwise(ctx, d, created, now)
	} else {
		err = p.apply(ctx, d, created, now)
	}
	return [5]int{p.Create, p.Update, p.Transfer, p.End, p.Unchanged}, n, err
}
