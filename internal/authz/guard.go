package authz

import (
	"context"
	"slices"

	"github.com/liemchinh/liemchinh/ent"
)

type grant struct {
	action string
	types  []string
}

type grantKey struct{}

// Grant returns a context in which the ent client accepts the writes of action, of the types
// named (ent.TypeX) and no others. Domain code calls it after it has decided the viewer may do
// the action, and only for the writes of that action; every other write is refused by the guard
// installed with Install, so a forgotten check or an undeclared write fails closed. It replaces
// any grant ctx had.
func Grant(ctx context.Context, action string, types ...string) context.Context {
	return context.WithValue(ctx, grantKey{}, grant{action: action, types: types})
}

// guardWrites refuses every mutation that neither ctx's purpose nor its grant declares:
// ErrForbidden without either, WriteRefused when the type is not theirs.
func guardWrites(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if err := mayWrite(ctx, m.Type()); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

func mayWrite(ctx context.Context, typ string) error {
	p := purposeOf(ctx)
	g, granted := ctx.Value(grantKey{}).(grant)
	if p == nil && !granted {
		return ErrForbidden
	}
	if p == nil && FromContext(ctx).MustChangePassword && g.action != PasswordChangeAction {
		return ErrPasswordChangeRequired
	}
	if p.Writes(typ) || (granted && slices.Contains(g.types, typ)) {
		return nil
	}
	refused := &WriteRefused{Type: typ, Action: g.action}
	if p != nil {
		refused.Purpose = p.name
	}
	return refused
}
