package idempotency

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// Do runs a creating mutation under the viewer's key: entry.Action names the operation (the
// key's namespace, the write grant and the audit action), input is what a retry must repeat, and
// writes are the types the operation writes (ent.TypeX). A retry returns the first result, loaded
// with get, and writes nothing. Otherwise create runs with writes of those types granted for the
// operation and returns what it made and its id; on its error the key is released (a corrected
// retry may claim it) and create must have written nothing; on success the key records the id
// and entry, with ObjectID set, goes to the audit log.
func Do[T any](ctx context.Context, tx *ent.Client, key string, input any, entry audit.Entry, writes []string,
	get func(context.Context, string) (T, error), create func(context.Context) (T, string, error)) (T, error) {
	var zero T
	claim, err := Begin(ctx, tx, authz.FromContext(ctx).AccountID, entry.Action, key, input)
	if err != nil {
		return zero, err
	}
	if claim.Replay() {
		return get(ctx, claim.ReplayID)
	}
	out, id, err := create(authz.Grant(ctx, entry.Action, writes...))
	if err != nil {
		if rerr := claim.Release(ctx); rerr != nil {
			return zero, rerr
		}
		return zero, err
	}
	if err := claim.Done(ctx, id); err != nil {
		return zero, err
	}
	entry.ObjectID = id
	return out, audit.Record(ctx, tx, entry)
}
