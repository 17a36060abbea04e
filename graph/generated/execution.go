package generated

// Written by hand: internal/tools/gqlgen points two calls of the generated executor here.

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSlice does what graphql.MarshalSliceConcurrently does (each element under its own
// field context, holding its index in the path; a panic nulls that element and is reported), in
// the calling goroutine and in order. Starting a goroutine per element cost more than the
// elements: each grows a fresh stack through the whole resolution of its element, and the nested
// edges it would wait on are already loaded by field collection. workerLimit has nothing to limit.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// newDeferredGroup is graphql.NewDeferredGroup for an object with a @defer'd field among fields;
// for any other object it is an empty group without the response path, which only a deferred
// field's incremental payload uses (FieldSet.ResolveConcurrently touches the group's field set
// and labels only for a deferred field, and the executor processes a group only when it has
// labels).
func newDeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for i := range fields {
		if fields[i].IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{Context: ctx}
}
