package authz

import (
	"context"

	"github.com/liemchinh/liemchinh/ent"
)

type grantKey struct{}

// Grant returns a context in which the ent client accepts writes. Domain code calls it after it
// has decided the viewer may do the action, and only for the writes of that action; every other
// write is refused by the guard installed with Install, so a forgotten check fails closed.
func Grant(ctx context.Context, action string) context.Context {
	return context.WithValue(ctx, grantKey{}, action)
}

// Granted returns the action writes were granted for, if any.
func Granted(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(grantKey{}).(string)
	return a, ok
}

// guardWrites refuses every mutation that is neither the server's own nor granted.
func guardWrites(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if _, ok := Granted(ctx); ok || IsSystem(ctx) {
			return next.Mutate(ctx, m)
		}
		return nil, ErrForbidden
	})
}
