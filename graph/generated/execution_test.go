package generated

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalSlice must answer as graphql.MarshalSliceConcurrently does: every element under its own
// field context holding its index, in order, a panicking element nulled and reported at its path.
func TestMarshalSlice(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitPanicHandler=%v", omit), func(t *testing.T) {
			ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
			parent := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "items"}}}
			ctx = graphql.WithFieldContext(ctx, parent)
			var seen []int
			ret := marshalSlice(ctx, 4, 0, omit, func(ctx context.Context, i int) graphql.Marshaler {
				fc := graphql.GetFieldContext(ctx)
				if fc == nil || fc.Index == nil || *fc.Index != i || fc.Parent != parent {
					t.Fatalf("element %d: field context %+v", i, fc)
				}
				if p := graphql.GetPath(ctx); p.String() != fmt.Sprintf("items[%d]", i) {
					t.Errorf("element %d: path %s", i, p)
				}
				seen = append(seen, i)
				if i == 2 && !omit {
					panic("element 2")
				}
				return graphql.MarshalInt(i * 10)
			})
			var b bytes.Buffer
			ret.MarshalGQL(&b)
			want, wantErrs := "[0,10,null,30]", 1
			if omit {
				want, wantErrs = "[0,10,20,30]", 0
			}
			if b.String() != want || fmt.Sprint(seen) != "[0 1 2 3]" {
				t.Errorf("answer %s after %v, want %s after [0 1 2 3]", b.String(), seen, want)
			}
			errs := graphql.GetErrors(ctx)
			if len(errs) != wantErrs {
				t.Fatalf("errors %v, want %d", errs, wantErrs)
			}
			if wantErrs > 0 && errs[0].Path.String() != "items[2]" {
				t.Errorf("panic reported at %q, want items[2]", errs[0].Path.String())
			}
		})
	}
	if ret := marshalSlice(context.Background(), 0, 0, false, nil); len(ret) != 0 {
		t.Errorf("empty: %v", ret)
	}
}

// newDeferredGroup computes the path only for an object with a deferred field, and then gives
// what graphql.NewDeferredGroup gives.
func TestNewDeferredGroup(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(),
		&graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "official"}}})
	plain := []graphql.CollectedField{{Field: &ast.Field{Name: "id"}}}
	if g := newDeferredGroup(ctx, plain); g.Path != nil || g.Defers != nil || g.Context != ctx {
		t.Errorf("group without deferred fields: %+v", g)
	}
	deferred := append(plain, graphql.CollectedField{Field: &ast.Field{Name: "pledges"},
		Deferrables: []*graphql.Deferrable{{Label: "later"}}})
	g := newDeferredGroup(ctx, deferred)
	if g.Path.String() != "official" || g.Defers == nil || g.FieldSet == nil {
		t.Errorf("group with a deferred field: %+v", g)
	}
}

// countFields is an extension that intercepts fields, counting them.
type countFields struct{ n *int }

func (countFields) ExtensionName() string                   { return "countFields" }
func (countFields) Validate(graphql.ExecutableSchema) error { return nil }
func (c countFields) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	*c.n++
	return next(ctx)
}

// plainField marshals the value without a field context while no extension intercepts fields,
// and resolves the field as graphql.ResolveField does (field context, middleware) when one does;
// the answer is the same.
func TestPlainField(t *testing.T) {
	schema := bareSchema{identitySchema()}
	for _, intercept := range []bool{false, true} {
		t.Run(fmt.Sprintf("intercepted=%v", intercept), func(t *testing.T) {
			exec, seen := executor.New(schema), 0
			if intercept {
				exec.Use(countFields{&seen})
			}
			ctx := graphql.StartOperationTrace(context.Background())
			oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: "{ a }"})
			if errs != nil {
				t.Fatal(errs)
			}
			ctx = graphql.WithResponseContext(graphql.WithOperationContext(ctx, oc), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
			field := graphql.CollectedField{Field: &ast.Field{Alias: "a", Name: "a"}}
			contexts := 0
			ret := plainField(ctx, oc, field, func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
				contexts++
				return graphql.NewScalarFieldContext("Query", field, false, false, "Int")
			}, 42, func(ctx context.Context, _ ast.SelectionSet, v int) graphql.Marshaler {
				if fc := graphql.GetFieldContext(ctx); intercept && (fc == nil || fc.Field.Alias != "a") {
					t.Errorf("marshalled without the field's context: %+v", fc)
				}
				return graphql.MarshalInt(v)
			}, true, true)
			var b bytes.Buffer
			ret.MarshalGQL(&b)
			if b.String() != "42" {
				t.Errorf("answer %s, want 42", b.String())
			}
			want := 0
			if intercept {
				want = 1
			}
			if contexts != want || seen != want {
				t.Errorf("field contexts made %d, fields intercepted %d, want %d", contexts, seen, want)
			}
		})
	}
}
