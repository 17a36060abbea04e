package idempotency

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/idempotencykey"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// ClaimAll claims the keys of many requests at once, each with its result recorded as BeginDone
// records it, in ONE statement of tx's transaction (INSERT ... ON CONFLICT DO NOTHING RETURNING):
// for a writer that gathers concurrent requests into one transaction. It reports which requests
// claimed their key. A request that did not (its key was taken: a retry, a conflict, a key in use,
// or the same key twice among reqs) is for its caller to run again alone with Begin or BeginDone
// once this transaction has ended, which answers it exactly as for a single request. Rows are
// written in the order of their keys, so two such statements never wait on each other crosswise.
func ClaimAll(ctx context.Context, tx *ent.Client, dialect string, reqs []*Request, results []Result) ([]bool, error) {
	if len(reqs) != len(results) {
		return nil, fmt.Errorf("idempotency: %d requests, %d results", len(reqs), len(results))
	}
	claimed := make([]bool, len(reqs))
	if len(reqs) == 0 {
		return claimed, nil
	}
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
		if results[i].ID == "" {
			return nil, fmt.Errorf("idempotency: ClaimAll without a result")
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		ra, rb := reqs[a], reqs[b]
		return cmp.Or(cmp.Compare(ra.owner, rb.owner), cmp.Compare(ra.operation, rb.operation), cmp.Compare(ra.key, rb.key))
	})
	now := time.Now()
	ins := sql.Dialect(dialect).Insert(idempotencykey.Table).Columns(idempotencykey.FieldID,
		idempotencykey.FieldCreatedAt, idempotencykey.FieldUpdatedAt, idempotencykey.FieldOwner,
		idempotencykey.FieldOperation, idempotencykey.FieldKey, idempotencykey.FieldRequestHash,
		idempotencykey.FieldClaim, idempotencykey.FieldResultID, idempotencykey.FieldResultSealed,
		idempotencykey.FieldResultReceipt)
	byID := make(map[string]int, len(reqs))
	for n, i := range order {
		r, res := reqs[i], results[i]
		if n > 0 {
			p := reqs[order[n-1]]
			if p.owner == r.owner && p.operation == r.operation && p.key == r.key {
				continue // the same key twice: the second is answered after the first commits
			}
		}
		id := pid.New(pid.IdempotencyKey)
		byID[id] = i
		var receipt any
		if res.Receipt != "" {
			receipt = res.Receipt
		}
		var sealed any
		if res.Sealed != nil {
			sealed = res.Sealed
		}
		ins.Values(id, now, now, r.owner, r.operation, r.key, r.hash, newClaim(), res.ID, sealed, receipt)
	}
	ins.OnConflict(sql.ConflictColumns(idempotencykey.FieldOwner, idempotencykey.FieldOperation, idempotencykey.FieldKey),
		sql.DoNothing()).Returning(idempotencykey.FieldID)
	query, args := ins.Query()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("idempotency: claiming %d keys: %w", len(byID), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		i, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("idempotency: claimed an unknown row %q", id)
		}
		claimed[i] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return claimed, rows.Close()
}
