package server

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// gqlparser validates the built-in scalars and enums of literals and variables before execution,
// but takes any string for a custom scalar: a Time of "yesterday" or a forged Cursor only failed
// inside execution, as an uncoded internal error. customScalars lets us refuse them before
// execution too, as BAD_USER_INPUT (a literal in validation, a variable per request), so they are
// request errors like any other wrong input (GraphQL over HTTP: 400 with no data).
var customScalars = map[string]func(v any) error{
	"Time": func(v any) error {
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%T is not a string", v)
		}
		_, err := graphql.UnmarshalTime(v)
		return err
	},
	"Cursor": func(v any) error {
		var c entgql.Cursor[string]
		return c.UnmarshalGQL(v)
	},
}

func scalarError(scalar, input string) *apperr.Error {
	switch scalar {
	case "Time":
		return apperr.Newf(apperr.BadUserInput,
			"%s phải là một thời điểm theo RFC 3339, ví dụ 2025-03-31T08:00:00+07:00.",
			"%s must be a time in RFC 3339 form, such as 2025-03-31T08:00:00+07:00.", input)
	case "Cursor":
		return apperr.Newf(apperr.BadUserInput,
			"%s không phải là con trỏ phân trang do máy chủ trả về (pageInfo.startCursor hoặc endCursor).",
			"%s is not a cursor this server returned (pageInfo.startCursor or endCursor).", input)
	}
	return apperr.Newf(apperr.BadUserInput, "%s không phải là giá trị hợp lệ của %s.",
		"%s is not a valid %s.", input, scalar)
}

// Names of our validation rules, which the error presenter recognises (gqlgen overwrites the
// code of every validation error with GRAPHQL_VALIDATION_FAILED).
const (
	ruleScalarLiterals  = "CustomScalarLiterals"
	ruleNoIntrospection = "NoIntrospection"
)

// scalarLiteralsRule refuses literal arguments of custom scalars that do not parse. (Variables'
// default values are checked per request by scalarVariables, as gqlparser copies them into the
// variables.)
func scalarLiteralsRule(observers *core.Events, addError core.AddErrFunc) {
	var check func(v *ast.Value, path []string)
	check = func(v *ast.Value, path []string) {
		if v == nil || v.Definition == nil || v.Kind == ast.Variable || v.Kind == ast.NullValue {
			return
		}
		switch {
		case v.Kind == ast.ListValue:
			for i, c := range v.Children {
				check(c.Value, append(path[:len(path):len(path)], strconv.Itoa(i)))
			}
		case v.Kind == ast.ObjectValue:
			for _, c := range v.Children {
				check(c.Value, append(path[:len(path):len(path)], c.Name))
			}
		case v.Definition.Kind == ast.Scalar && customScalars[v.Definition.Name] != nil:
			raw, err := v.Value(nil)
			if err == nil {
				err = customScalars[v.Definition.Name](raw)
			}
			if err != nil {
				input := strings.Join(path, ".")
				addError(core.Message("%s", scalarError(v.Definition.Name, input).EN), core.At(v.Position),
					func(e *gqlerror.Error) {
						e.Extensions = map[string]any{"scalar": v.Definition.Name, "input": input}
					})
			}
		}
	}
	observers.OnField(func(_ *core.Walker, f *ast.Field) {
		for _, a := range f.Arguments {
			check(a.Value, []string{a.Name})
		}
	})
}

// noIntrospectionRule refuses __schema and __type (production); __typename stays.
func noIntrospectionRule(observers *core.Events, addError core.AddErrFunc) {
	observers.OnField(func(_ *core.Walker, f *ast.Field) {
		if f.Name == "__schema" || f.Name == "__type" {
			addError(core.Message("%s", errIntrospectionOff.EN), core.At(f.Position))
		}
	})
}

var errIntrospectionOff = apperr.New(apperr.Forbidden,
	"Máy chủ này đã tắt introspection (__schema, __type); hãy dùng tệp schema được công bố.",
	"Introspection (__schema, __type) is turned off on this server; use the published schema file.")

// productionRules swaps every rule that suggests names ("Did you mean ...?") for its quiet twin
// (gqlgen's SetDisableSuggestion only swaps two of the five) and turns introspection off.
func productionRules(r *rules.Rules) {
	for _, q := range []core.Rule{rules.KnownArgumentNamesRuleWithoutSuggestions,
		rules.KnownTypeNamesRuleWithoutSuggestions, rules.ValuesOfCorrectTypeRuleWithoutSuggestions} {
		r.RemoveRule(strings.TrimSuffix(q.Name, "WithoutSuggestions"))
		r.AddRule(q.Name, q.RuleFunc)
	}
	r.AddRule(ruleNoIntrospection, noIntrospectionRule)
}

// scalarVariables checks the custom scalars inside variables, per request, before execution.
type scalarVariables struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = scalarVariables{}

func (scalarVariables) ExtensionName() string                   { return "ScalarVariables" }
func (scalarVariables) Validate(graphql.ExecutableSchema) error { return nil }

func (s scalarVariables) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	for _, d := range oc.Operation.VariableDefinitions {
		if e := s.check(ctx, d.Type, oc.Variables[d.Variable], ast.Path{ast.PathName("variable"), ast.PathName(d.Variable)}); e != nil {
			return e
		}
	}
	return nil
}

func (s scalarVariables) check(ctx context.Context, t *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil || t == nil {
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return s.check(ctx, t.Elem, v, path) // a single value stands for a list of one
		}
		for i, e := range list {
			if err := s.check(ctx, t.Elem, e, append(path[:len(path):len(path)], ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := s.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Scalar:
		if f := customScalars[def.Name]; f != nil && f(v) != nil {
			e := scalarError(def.Name, variablePath(path))
			return &gqlerror.Error{Message: e.Message(ctx), Path: path,
				Extensions: map[string]any{"code": e.Code, "field": fieldOf(path)}}
		}
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // gqlparser refused it already
		}
		for _, f := range def.Fields {
			if err := s.check(ctx, f.Type, m[f.Name], append(path[:len(path):len(path)], ast.PathName(f.Name))); err != nil {
				return err
			}
		}
	}
	return nil
}

// variablePath writes ["variable", "in", "where", 0] as $in.where.0.
func variablePath(p ast.Path) string {
	parts := make([]string, 0, len(p))
	for i, e := range p {
		if i == 0 {
			continue
		}
		s := fmt.Sprint(e)
		if i == 1 {
			s = "$" + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ".")
}

// fieldOf is the input path without its "variable" head, as apperr's Field.
func fieldOf(p ast.Path) []string {
	out := []string{}
	for i, e := range p {
		if i > 0 {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// inputRules adds the check of custom scalar literals to rules, and in production the quiet rules
// without introspection.
func inputRules(base func() *rules.Rules, production bool) func() *rules.Rules {
	return func() *rules.Rules {
		r := base()
		r.AddRule(ruleScalarLiterals, scalarLiteralsRule)
		if production {
			productionRules(r)
		}
		return r
	}
}

// viDetails translates gqlparser's messages about input values (ValuesOfCorrectType and the
// coercion of variables); anything else stays in English after the Vietnamese lead.
var viDetails = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^Value "(.*)" does not exist in "(.*)" enum\.`), `giá trị "$1" không có trong kiểu liệt kê "$2".`},
	{regexp.MustCompile(`^(Int|Float|String|Boolean|ID) cannot represent .*?value: (.*)$`), `$2 không phải là giá trị kiểu $1.`},
	{regexp.MustCompile(`^Enum "(.*)" cannot represent non-enum value: (.*)\.$`), `$2 không phải là giá trị của kiểu liệt kê "$1".`},
	{regexp.MustCompile(`^Expected value of type "(.*)", found (.*)\.$`), `cần giá trị kiểu "$1", nhưng nhận $2.`},
	{regexp.MustCompile(`^Field "(.*)" of required type "(.*)" was not provided\.$`), `thiếu trường bắt buộc "$1" (kiểu "$2").`},
	{regexp.MustCompile(`^Field "(.*)" is not defined by type "(.*)"\.`), `kiểu "$2" không có trường "$1".`},
	{regexp.MustCompile(`^must be defined$`), `cần có giá trị`},
	{regexp.MustCompile(`^cannot be null$`), `không được là null`},
	{regexp.MustCompile(`^(.*) is not a valid (.*)$`), `$1 không phải là giá trị hợp lệ của $2`},
	{regexp.MustCompile(`^cannot use (.*) as (.*)$`), `không dùng được $1 làm $2`},
	{regexp.MustCompile(`^must be a (.*), not a (.*)$`), `phải là $1, không phải $2`},
	{regexp.MustCompile(`^unknown field$`), `trường không tồn tại`},
}

func viDetail(msg string) string {
	for _, d := range viDetails {
		if m := d.re.FindStringSubmatchIndex(msg); m != nil {
			return string(d.re.ExpandString(nil, d.vi, msg, m))
		}
	}
	return msg
}
