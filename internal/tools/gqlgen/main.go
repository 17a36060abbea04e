// Command gqlgen runs gqlgen's code generation (github.com/99designs/gqlgen/api, at the version
// pinned in go.mod, with gqlgen.yml) and then points three of the generated executor's calls at
// graph/generated/execution.go, which does the same work for less:
//
//   - graphql.MarshalSliceConcurrently starts a goroutine for every element of every list; each
//     starts on a small stack and grows it through the whole field resolution below it (13% of the
//     CPU of the nested read). Our nested edges are loaded ahead by field collection, so the
//     elements are marshalled in the calling goroutine, in order (marshalSlice).
//
//   - graphql.NewDeferredGroup computes the object's response path for every object of the answer,
//     in case a field of it is @defer'd (another 13%). newDeferredGroup computes it only for an
//     object that has a deferred field.
//
//   - graphql.ResolveField gives every field its own field context (a FieldContext, a context
//     holding it, closures) and runs it through the field middleware, also a scalar that is a
//     plain struct field (a pledge's id, year, status): half the fields of a nested read. Such a
//     field whose value cannot fail to marshal (an ID, String, Int, Boolean or enum value, not a
//     pointer) calls plainField, which marshals the value straight away while the operation has
//     no field middleware (plainField in execution.go), and is graphql.ResolveField otherwise.
//
// gqlgen's templates are used as shipped; the calls are rewritten in the generated file, and
// generation fails if any is missing (a gqlgen upgrade that changed them must be looked at).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

var rewrites = []struct{ from, to string }{
	{"graphql.MarshalSliceConcurrently(ctx, ", "marshalSlice(ctx, "},
	{"deferred := graphql.NewDeferredGroup(ctx)", "deferred := newDeferredGroup(ctx, fields)"},
}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatalf("gqlgen: loading the config: %v", err)
	}
	if err := api.Generate(cfg); err != nil {
		log.Fatalf("gqlgen: generating: %v", err)
	}
	if err := rewrite(cfg.Exec.Filename); err != nil {
		log.Fatalf("gqlgen: %v", err)
	}
}

func rewrite(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, r := range rewrites {
		n := bytes.Count(b, []byte(r.from))
		if n == 0 {
			return fmt.Errorf("%s has no %q to rewrite: look at what gqlgen generates now", file, r.from)
		}
		b = bytes.ReplaceAll(b, []byte(r.from), []byte(r.to))
	}
	b, n := plainFields(b)
	if n == 0 {
		return fmt.Errorf("%s has no plain scalar field to rewrite: look at what gqlgen generates now", file)
	}
	return os.WriteFile(file, b, 0o644)
}

// plainResolve is the generated resolution of a field that is a struct field of its object, with
// no directive (middleware nil): its field context function, the struct field, the value's type
// and its marshaler (whose name spells the Go type with non-ASCII letters, which \w leaves out).
var plainResolve = regexp.MustCompile(`return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		(func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.fieldContext_\w+\(ctx, field\)
		\}),
		func\(ctx context\.Context\) \(any, error\) \{
			return (obj\.\w+), nil
		\},
		nil,
		(func\(ctx context\.Context, selections ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{
			return ec\.(marshal[^(\s]+)\(ctx, selections, v\)
		\}),
		(true|false),
		(true|false),
	\)`)

// infallible marshals a value that is never null and never fails: gqlgen's marshalers of the
// built-in scalars on value types (which check for graphql.Null only for the error path) and
// of enums, which are their own graphql.Marshaler.
var infallible = regexp.MustCompile(`^marshal[NO](ID2string|String2string|Int2int|Int2int64|Boolean2bool)$`)

// plainFields rewrites the resolution of plain scalar fields to plainField, and reports how many.
func plainFields(b []byte) ([]byte, int) {
	n := 0
	builtins := map[string]bool{} // by marshaler
	out := plainResolve.ReplaceAllFunc(b, func(m []byte) []byte {
		g := plainResolve.FindSubmatch(m)
		typ, marshal := string(g[4]), string(g[5])
		builtin, seen := builtins[marshal]
		if !seen {
			builtin = infallible.MatchString(marshal) && builtinMarshaler(b, marshal, typ)
			builtins[marshal] = builtin
		}
		if !builtin && !enumMarshaler(b, marshal, typ) {
			return m
		}
		n++
		return []byte(fmt.Sprintf("return plainField(ctx, ec.OperationContext, field,\n\t\t%s,\n\t\t%s,\n\t\t%s,\n\t\t%s,\n\t\t%s,\n\t)",
			g[1], g[2], g[3], g[6], g[7]))
	})
	return out, n
}

// builtinMarshaler reports whether the marshaler is gqlgen's own of a built-in scalar: its body
// is graphql.MarshalID, MarshalString, MarshalInt, MarshalInt64 or MarshalBoolean of the value
// and, for a non-null one, the null check. A scalar mapped to a marshaler of our own keeps its
// field context, whatever the generated function's name.
func builtinMarshaler(b []byte, name, typ string) bool {
	body := regexp.MustCompile(`func \(ec \*executionContext\) ` + regexp.QuoteMeta(name) + `\(ctx context\.Context, sel ast\.SelectionSet, v ` +
		regexp.QuoteMeta(typ) + `\) graphql\.Marshaler \{\n\t_ = sel\n(\t_ = ctx\n)?\tres := graphql\.Marshal(ID|String|Int|Int64|Boolean)\(v\)\n` +
		`(\tif res == graphql\.Null \{\n\t\tgraphql\.AddInvalidNullFromMarshaler\(ctx, "\w+!"\)\n\t\}\n)?\treturn res\n\}\n`)
	return body.Match(b)
}

// enumMarshaler reports whether the marshaler is gqlgen's of an enum held by value: its body
// is "return v" and its type is no pointer, slice or map.
func enumMarshaler(b []byte, name, typ string) bool {
	if strings.ContainsAny(typ, "*[") || strings.HasPrefix(typ, "map") {
		return false
	}
	return bytes.Contains(b, []byte("func (ec *executionContext) "+name+"(ctx context.Context, sel ast.SelectionSet, v "+typ+") graphql.Marshaler {\n\treturn v\n}\n"))
}
