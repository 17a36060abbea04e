package generated

// Written by hand: internal/tools/gqlgen points calls of the generated executor here.

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalSlice does what graphql.MarshalSliceConcurrently does (each element under its own
// field context, holding its index in the path; a panic nulls that element and is reported), in
// the calling goroutine and in order. Starting a goroutine per element cost more than the
// elements: each grows a fresh stack through the whole resolution of its element, and the nested
// edges it would wait on are already loaded by field collection. workerLimit has nothing to limit.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	// The elements' field contexts and indexes, allocated at once rather than two per element.
	contexts, indexes := make([]graphql.FieldContext, length), make([]int, length)
	for i := range length {
		indexes[i] = i
		contexts[i].Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, &contexts[i])
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

// plainField resolves a field that is a struct field of its object, with no directive, whose
// value marshals without fail (internal/tools/gqlgen picks them: IDs, strings, ints, booleans and
// enums held by value). When the operation's field middleware is gqlgen's identity (no extension
// intercepts fields), resolving it is marshalling the value: no field context is made for it,
// as nothing reads one (no resolver, no middleware, and its marshaler neither fails nor adds an
// error). Otherwise it is graphql.ResolveField, as generated.
func plainField[T any](ctx context.Context, oc *graphql.OperationContext, field graphql.CollectedField,
	fieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	v T, marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler,
	recoverFromPanic, nonNull bool) graphql.Marshaler {
	if oc.ResolverMiddleware != nil && reflect.ValueOf(oc.ResolverMiddleware).Pointer() == identityFieldMiddleware {
		return marshal(ctx, field.Selections, v)
	}
	return graphql.ResolveField(ctx, oc, field, fieldContext,
		func(context.Context) (any, error) { return v, nil }, nil, marshal, recoverFromPanic, nonNull)
}

// identityFieldMiddleware is the code of the field middleware gqlgen's executor gives an
// operation when no extension intercepts fields, read from an executor without extensions; an
// extension that intercepts fields (FieldInterceptor, AroundFields) wraps it in other code.
var identityFieldMiddleware = func() uintptr {
	oc, errs := executor.New(bareSchema{identitySchema()}).CreateOperationContext(graphql.StartOperationTrace(context.Background()),
		&graphql.RawParams{Query: "{ a }"})
	if errs != nil || oc.ResolverMiddleware == nil {
		panic("generated: gqlgen's executor gave no field middleware to compare with")
	}
	return reflect.ValueOf(oc.ResolverMiddleware).Pointer()
}()

func identitySchema() *ast.Schema {
	return gqlparser.MustLoadSchema(&ast.Source{Name: "identity.graphql", Input: "type Query { a: Int }"})
}

// bareSchema is just enough of an executable schema for CreateOperationContext.
type bareSchema struct{ schema *ast.Schema }

func (s bareSchema) Schema() *ast.Schema { return s.schema }
func (bareSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}
func (bareSchema) Exec(context.Context) graphql.ResponseHandler { return nil }
