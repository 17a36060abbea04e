package generated

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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
