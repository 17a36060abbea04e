// Package jobs holds what the background records worked as River jobs share (roster imports,
// account provisioning runs): enqueueing with the record, an attempt's timeout under the queue's
// rescue delay, and which records still have a job to run them.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Enqueue inserts args into the queue rc in the transaction of ctx, with the record it works.
// Without a queue (nil rc), start runs the record in this process once that transaction commits
// (not when its part was rolled back to a savepoint).
func Enqueue(ctx context.Context, rc *river.Client[*sql.Tx], args river.JobArgs, start func()) error {
	if rc != nil {
		stx, err := store.SQLTx(ctx)
		if err != nil {
			return err
		}
		_, err = rc.InsertTx(ctx, stx, args, nil)
		return err
	}
	if t := ent.TxFromContext(ctx); t != nil {
		t.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil && !store.Undone(ctx) {
					start()
				}
				return err
			})
		})
	}
	return nil
}

// AttemptTimeout is longest, cut to 90% of the queue's JOBS_RESCUE_AFTER (rescueAfter) when that is
// shorter: an attempt still running when River takes the job for abandoned would run beside its
// retry.
func AttemptTimeout(rescueAfter, longest time.Duration) time.Duration {
	if rescueAfter > 0 && rescueAfter*9/10 < longest {
		return rescueAfter * 9 / 10
	}
	return longest
}

// Live returns the records (by id) that a job of A's kind will still run or is running, as id
// reads them from the job's arguments. A last attempt left running past rescueAfter by a process
// that died is not counted: the queue discards it, having no attempt left.
func Live[A river.JobArgs](ctx context.Context, rc *river.Client[*sql.Tx], rescueAfter time.Duration, id func(A) string) (map[string]bool, error) {
	var zero A
	params := river.NewJobListParams().Kinds(zero.Kind()).States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled).First(10000)
	res, err := rc.JobList(ctx, params)
	if err != nil {
		return nil, err
	}
	alive := map[string]bool{}
	for _, j := range res.Jobs {
		if j.State == rivertype.JobStateRunning && j.Attempt >= j.MaxAttempts && j.AttemptedAt != nil &&
			rescueAfter > 0 && time.Since(*j.AttemptedAt) > rescueAfter {
			continue
		}
		var a A
		if json.Unmarshal(j.EncodedArgs, &a) == nil {
			alive[id(a)] = true
		}
	}
	return alive, nil
}
