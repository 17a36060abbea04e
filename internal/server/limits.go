package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// Page sizes of every connection (CONVENTIONS.md habit 11).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// isConnection reports whether a field returns a Relay connection paged by first and/or last
// (Viewer.notifications has first only: it must be capped and weighed all the same).
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && strings.HasSuffix(def.Type.Name(), "Connection") &&
		(def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil)
}

// validationRules returns gqlparser's rules plus two of ours: page sizes and depth. They run once
// per distinct query text (the result is cached), on a document no other request sees yet, so the
// page-size rule may write the default page size into it.
func validationRules(maxDepth int) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.AddRule("PageSize", pageSizeRule)
		r.AddRule("MaxDepth", depthRule(maxDepth))
		r.AddRule("FragmentSize", fragmentSizeRule)
		return r
	}
}

// pageSizeRule rejects literal page sizes outside 0..100 and gives every connection selected
// without first or last the default `first: 20`, so no request ever reads a whole table.
func pageSizeRule(observers *core.Events, addError core.AddErrFunc) {
	observers.OnField(func(_ *core.Walker, field *ast.Field) {
		if !isConnection(field.Definition) {
			return
		}
		given := false
		for _, name := range []string{"first", "last"} {
			arg := field.Arguments.ForName(name)
			if arg == nil {
				continue
			}
			given = true
			if arg.Value.Kind != ast.IntValue {
				continue // a variable: checked per request by pageSizeVariables
			}
			if n, err := strconv.Atoi(arg.Value.Raw); err != nil || n < 0 || n > MaxPageSize {
				addError(core.Message("%s", pageSizeError(name, arg.Value.Raw).EN), core.At(arg.Position))
			}
		}
		if !given {
			argDef := field.Definition.Arguments.ForName("first")
			field.Arguments = append(field.Arguments, &ast.Argument{
				Name:     "first",
				Position: field.Position,
				Value: &ast.Value{
					Kind: ast.IntValue, Raw: strconv.Itoa(DefaultPageSize), Position: field.Position,
					ExpectedType: argDef.Type,
				},
			})
		}
	})
}

func pageSizeError(arg, value string) *apperr.Error {
	return apperr.Newf(apperr.BadUserInput,
		"%s phải từ 0 đến %d (đã nhận %s); hãy phân trang bằng after/before.",
		"%s must be between 0 and %d (got %s); page through the rest with after/before.",
		arg, MaxPageSize, value).OnField(arg)
}

// depthRule rejects operations nested deeper than max fields.
func depthRule(max int) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnOperation(func(_ *core.Walker, op *ast.OperationDefinition) {
			if d := depth(op.SelectionSet, map[string]int{}); d > max {
				addError(core.Message("operation is nested %d levels deep, more than the limit of %d", d, max),
					core.At(op.Position))
			}
		})
	}
}

// depth measures a selection set, each fragment once (memo; -1 while being measured, so a cycle,
// which validation reports anyway, ends): a fragment used twice at every level stays linear.
func depth(set ast.SelectionSet, memo map[string]int) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + depth(s.SelectionSet, memo)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, memo)
		case *ast.FragmentSpread:
			if s.Definition == nil {
				break
			}
			m, ok := memo[s.Name]
			if !ok {
				memo[s.Name] = -1
				m = depth(s.Definition.SelectionSet, memo)
				memo[s.Name] = m
			}
			d = m
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// pageSizeVariables checks page sizes given through variables, per request, and gives a null
// `first: $n` the default page size.
type pageSizeVariables struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = pageSizeVariables{}

func (pageSizeVariables) ExtensionName() string                   { return "PageSizeVariables" }
func (pageSizeVariables) Validate(graphql.ExecutableSchema) error { return nil }

func (pageSizeVariables) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	var gerr *gqlerror.Error
	vars := rc.Variables
	copied := false
	var visit func(ast.SelectionSet)
	visit = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if isConnection(s.Definition) && gerr == nil {
					gerr = checkVariables(ctx, s, vars, func(name string) {
						if !copied {
							vars = copyVars(vars)
							copied = true
						}
						vars[name] = DefaultPageSize
					})
				}
				visit(s.SelectionSet)
			case *ast.InlineFragment:
				visit(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					visit(s.Definition.SelectionSet)
				}
			}
		}
	}
	if rc.Operation != nil {
		visit(rc.Operation.SelectionSet)
	}
	if gerr == nil && copied {
		rc.Variables = vars
	}
	return gerr
}

func checkVariables(ctx context.Context, f *ast.Field, vars map[string]any, setDefault func(string)) *gqlerror.Error {
	var firstVar string
	set := false
	for _, name := range []string{"first", "last"} {
		arg := f.Arguments.ForName(name)
		if arg == nil {
			continue
		}
		if arg.Value.Kind != ast.Variable {
			set = true
			continue
		}
		v, ok := vars[arg.Value.Raw]
		if !ok || v == nil {
			if name == "first" {
				firstVar = arg.Value.Raw
			}
			continue
		}
		set = true
		n, err := toInt(v)
		if err != nil || n < 0 || n > MaxPageSize {
			e := pageSizeError(name, fmt.Sprint(v))
			return &gqlerror.Error{
				Message:    e.Message(ctx),
				Path:       ast.Path{ast.PathName(f.Alias)},
				Extensions: map[string]any{"code": e.Code, "field": name},
			}
		}
	}
	if !set && firstVar != "" {
		setDefault(firstVar)
	}
	return nil
}

func toInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		if n != float64(int(n)) {
			return 0, fmt.Errorf("not an integer")
		}
		return int(n), nil
	case interface{ Int64() (int64, error) }: // json.Number
		i, err := n.Int64()
		return int(i), err
	}
	return 0, fmt.Errorf("not an integer")
}

func copyVars(in map[string]any) map[string]any {
	out := make(map[string]any, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	return out
}

// pagedComplexity makes a connection field cost its page size times what one element costs, so
// the complexity limit bounds the rows a query can return, and adds each field's weight
// (fieldWeights) for the work it does beyond reading rows.
type pagedComplexity struct{ graphql.ExecutableSchema }

func (p pagedComplexity) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	weight := fieldWeights[typeName+"."+field]
	if v, ok := args["search"]; ok && v != nil {
		weight += searchWeights[typeName+"."+field]
	}
	if def := p.Schema().Types[typeName]; def != nil && isConnection(def.Fields.ForName(field)) {
		n := DefaultPageSize
		for _, name := range []string{"first", "last"} {
			if v, ok := args[name]; ok && v != nil {
				if i, err := toInt(deref(v)); err == nil {
					n = i
				}
			}
		}
		return weight + 1 + max(n, 1)*child, true
	}
	if weight > 0 {
		return weight + child, true
	}
	return p.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

func deref(v any) any {
	if p, ok := v.(*int); ok && p != nil {
		return *p
	}
	return v
}
