package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// Bounds of every argument (a where filter above all), literal or from variables, checked before
// any resolver runs: a 5,000-deep `not` or a 50,000-branch `or` would otherwise become one SQL
// statement the database refuses or chokes on.
const (
	MaxInputDepth  = 10    // input objects nested in one argument (where: {not: {or: [{...}]}} is 3)
	MaxListItems   = 100   // items of any list: and/or branches, idIn and every other *In, nodes(ids)
	MaxInputValues = 1_000 // values in one argument, all levels together
	// MaxExpandedFields bounds the fields of an operation with every fragment use expanded, as
	// the complexity and depth walks see them: two uses of a fragment at each of 30 levels would
	// otherwise be 2^30 fields to walk for a few hundred bytes of query.
	MaxExpandedFields = 5_000
	// MaxQueryTokens bounds what the parser reads of a query text.
	MaxQueryTokens = 20_000
)

func inputTooDeep(arg string) *apperr.Error {
	return apperr.Newf(apperr.BadUserInput,
		"Tham số %s lồng nhau quá %d cấp.", "The argument %s is nested more than %d levels deep.",
		arg, MaxInputDepth).OnField(arg)
}

func inputListTooLong(arg string, n int) *apperr.Error {
	return apperr.Newf(apperr.BadUserInput,
		"Một danh sách trong tham số %s có %d phần tử, nhiều hơn mức %d.",
		"A list in the argument %s has %d items, more than the %d allowed.", arg, n, MaxListItems).OnField(arg)
}

func inputTooLarge(arg string) *apperr.Error {
	return apperr.Newf(apperr.BadUserInput,
		"Tham số %s có hơn %d giá trị.", "The argument %s has more than %d values.", arg, MaxInputValues).OnField(arg)
}

// inputBounds checks every argument of every field of the operation against the bounds above, per
// request (variables change), walking each fragment once.
type inputBounds struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = inputBounds{}

func (inputBounds) ExtensionName() string                   { return "InputBounds" }
func (inputBounds) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters checks the variables as decoded from JSON, before gqlparser coerces
// them to their types (for 50,000 branches of an or, that coercion alone takes a second).
func (inputBounds) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	for name, v := range p.Variables {
		w := valueWalk{}
		if e := w.decoded(v, 0, name); e != nil {
			return &gqlerror.Error{Err: e, Message: e.EN, Extensions: map[string]any{"code": e.Code}}
		}
	}
	return nil
}

func (inputBounds) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	seen := map[string]bool{}
	var visit func(ast.SelectionSet) *gqlerror.Error
	visit = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				for _, arg := range s.Arguments {
					w := valueWalk{vars: oc.Variables}
					if e := w.value(arg.Value, 0, arg.Name); e != nil {
						return &gqlerror.Error{Err: e, Message: e.EN, Path: ast.Path{ast.PathName(s.Alias)},
							Extensions: map[string]any{"code": e.Code}}
					}
				}
				if err := visit(s.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := visit(s.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if s.Definition != nil && !seen[s.Name] {
					seen[s.Name] = true
					if err := visit(s.Definition.SelectionSet); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return visit(oc.Operation.SelectionSet)
}

// valueWalk walks one argument, literal or variable, stopping at the first bound it passes.
type valueWalk struct {
	vars   map[string]any
	values int
}

func (w *valueWalk) value(v *ast.Value, depth int, arg string) *apperr.Error {
	if v == nil {
		return nil
	}
	if w.values++; w.values > MaxInputValues {
		return inputTooLarge(arg)
	}
	switch v.Kind {
	case ast.Variable:
		w.values-- // counted as what it holds
		return w.decoded(w.vars[v.Raw], depth, arg)
	case ast.ObjectValue:
		if depth+1 > MaxInputDepth {
			return inputTooDeep(arg)
		}
		for _, c := range v.Children {
			if e := w.value(c.Value, depth+1, arg); e != nil {
				return e
			}
		}
	case ast.ListValue:
		if len(v.Children) > MaxListItems {
			return inputListTooLong(arg, len(v.Children))
		}
		for _, c := range v.Children {
			if e := w.value(c.Value, depth, arg); e != nil {
				return e
			}
		}
	}
	return nil
}

// decoded walks a variable's value as the JSON decoder and gqlparser's coercion left it.
func (w *valueWalk) decoded(v any, depth int, arg string) *apperr.Error {
	if w.values++; w.values > MaxInputValues {
		return inputTooLarge(arg)
	}
	switch x := v.(type) {
	case map[string]any:
		if depth+1 > MaxInputDepth {
			return inputTooDeep(arg)
		}
		for _, c := range x {
			if e := w.decoded(c, depth+1, arg); e != nil {
				return e
			}
		}
	case []any:
		if len(x) > MaxListItems {
			return inputListTooLong(arg, len(x))
		}
		for _, c := range x {
			if e := w.decoded(c, depth, arg); e != nil {
				return e
			}
		}
	}
	return nil
}

// fragmentSizeRule rejects operations whose fields, with every fragment use expanded, number more
// than MaxExpandedFields. Each fragment's size is computed once, so the check itself is linear.
func fragmentSizeRule(observers *core.Events, addError core.AddErrFunc) {
	observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
		memo := map[string]int{}
		var size func(ast.SelectionSet) int
		size = func(set ast.SelectionSet) int {
			n := 0
			for _, sel := range set {
				switch s := sel.(type) {
				case *ast.Field:
					n += 1 + size(s.SelectionSet)
				case *ast.InlineFragment:
					n += size(s.SelectionSet)
				case *ast.FragmentSpread:
					m, ok := memo[s.Name]
					if !ok {
						memo[s.Name] = 0 // a cycle, reported by validation, counts nothing
						if def := w.Document.Fragments.ForName(s.Name); def != nil {
							m = size(def.SelectionSet)
						}
						memo[s.Name] = m
					}
					n += m
				}
				if n > MaxExpandedFields {
					return n // saturate: no need to count further
				}
			}
			return n
		}
		if n := size(op.SelectionSet); n > MaxExpandedFields {
			addError(core.Message("operation has more than %d fields once its fragments are expanded", MaxExpandedFields),
				core.At(op.Position))
		}
	})
}
