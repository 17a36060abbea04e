package graph_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestSchemaHasNoBreakingChange compares graph/schema.graphql with the last schema released to
// clients (graph/testdata/released.graphql). Removing something is allowed only once it was
// deprecated in the released schema; any other incompatible change fails. After a release, copy
// graph/schema.graphql over graph/testdata/released.graphql.
func TestSchemaHasNoBreakingChange(t *testing.T) {
	released := loadSchema(t, "testdata/released.graphql")
	current := loadSchema(t, "schema.graphql")
	for _, b := range breakingChanges(released, current) {
		t.Error(b)
	}
}

func loadSchema(t *testing.T, path string) *ast.Schema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: path, Input: string(b)})
	if gerr != nil {
		t.Fatalf("%s: %v", path, gerr)
	}
	return s
}

// breakingChanges lists what a client written against old may find broken in new.
func breakingChanges(old, new *ast.Schema) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	for name, ot := range old.Types {
		if ot.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		nt := new.Types[name]
		if nt == nil {
			add("type %s removed", name)
			continue
		}
		if nt.Kind != ot.Kind {
			add("type %s changed from %s to %s", name, ot.Kind, nt.Kind)
			continue
		}
		switch ot.Kind {
		case ast.Object, ast.Interface:
			for _, of := range ot.Fields {
				if strings.HasPrefix(of.Name, "__") {
					continue
				}
				where := name + "." + of.Name
				nf := nt.Fields.ForName(of.Name)
				if nf == nil {
					if !deprecated(of.Directives) {
						add("field %s removed without being deprecated first", where)
					}
					continue
				}
				if !outputCompatible(of.Type, nf.Type) {
					add("field %s changed type from %s to %s", where, of.Type, nf.Type)
				}
				for _, oa := range of.Arguments {
					na := nf.Arguments.ForName(oa.Name)
					if na == nil {
						if !deprecated(oa.Directives) {
							add("argument %s(%s) removed without being deprecated first", where, oa.Name)
						}
						continue
					}
					if !inputCompatible(oa.Type, na.Type) {
						add("argument %s(%s) changed type from %s to %s", where, oa.Name, oa.Type, na.Type)
					} else if oa.Type.NonNull == na.Type.NonNull && oa.DefaultValue != nil && na.DefaultValue == nil && na.Type.NonNull {
						add("argument %s(%s) lost its default value", where, oa.Name)
					}
				}
				for _, na := range nf.Arguments {
					if of.Arguments.ForName(na.Name) == nil && required(na.Type, na.DefaultValue) {
						add("argument %s(%s) added as required", where, na.Name)
					}
				}
			}
			for _, i := range ot.Interfaces {
				if !slices.Contains(nt.Interfaces, i) {
					add("type %s no longer implements %s", name, i)
				}
			}
		case ast.InputObject:
			for _, of := range ot.Fields {
				where := name + "." + of.Name
				nf := nt.Fields.ForName(of.Name)
				if nf == nil {
					if !deprecated(of.Directives) {
						add("input field %s removed without being deprecated first", where)
					}
					continue
				}
				if !inputCompatible(of.Type, nf.Type) {
					add("input field %s changed type from %s to %s", where, of.Type, nf.Type)
				} else if of.DefaultValue != nil && nf.DefaultValue == nil && nf.Type.NonNull {
					add("input field %s lost its default value", where)
				}
			}
			for _, nf := range nt.Fields {
				if ot.Fields.ForName(nf.Name) == nil && required(nf.Type, nf.DefaultValue) {
					add("input field %s.%s added as required", name, nf.Name)
				}
			}
		case ast.Enum:
			for _, ov := range ot.EnumValues {
				if nt.EnumValues.ForName(ov.Name) == nil && !deprecated(ov.Directives) {
					add("enum value %s.%s removed without being deprecated first", name, ov.Name)
				}
			}
		case ast.Union:
			for _, m := range ot.Types {
				if !slices.Contains(nt.Types, m) {
					add("union %s no longer includes %s", name, m)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func deprecated(d ast.DirectiveList) bool { return d.ForName("deprecated") != nil }

func required(t *ast.Type, def *ast.Value) bool { return t.NonNull && def == nil }

// outputCompatible: a client reading a value of type old can read one of type new (the same
// type, possibly made non-null).
func outputCompatible(old, new *ast.Type) bool {
	if old.NonNull && !new.NonNull {
		return false
	}
	if (old.Elem == nil) != (new.Elem == nil) {
		return false
	}
	if old.Elem != nil {
		return outputCompatible(old.Elem, new.Elem)
	}
	return old.NamedType == new.NamedType
}

// inputCompatible: every value and variable a client sent as old is still accepted as new (the
// same type, possibly made nullable). A renamed input type breaks clients that declare variables
// of the old type name even if its fields are the same.
func inputCompatible(old, new *ast.Type) bool {
	if !old.NonNull && new.NonNull {
		return false
	}
	if (old.Elem == nil) != (new.Elem == nil) {
		return false
	}
	if old.Elem != nil {
		return inputCompatible(old.Elem, new.Elem)
	}
	return old.NamedType == new.NamedType
}

// TestBreakingChanges checks the gate itself: each kind of break is caught, additions and
// removals of deprecated things pass.
func TestBreakingChanges(t *testing.T) {
	const base = `
type Query { a(x: Int, y: String!): String!  b: [Int!]  old: Int @deprecated(reason: "r")  o: O  u: U  c(x: Int): E }
type O implements N { id: ID! }
interface N { id: ID! }
type P { id: ID! }
union U = O | P
enum E { ONE TWO OLD @deprecated }
input I { a: Int  b: String!  old: Int @deprecated  d: Int! = 1 }
type Mutation { m(input: I!): Int }
`
	cases := []struct {
		name, from, to, want string // want "" means no break
	}{
		{"unchanged", "", "", ""},
		{"field added", "type Query { a", "type Query { z: Int a", ""},
		{"nullable argument added", "a(x: Int,", "a(z: Int, x: Int,", ""},
		{"required argument with default added", "a(x: Int,", "a(z: Int! = 3, x: Int,", ""},
		{"output made non-null", "b: [Int!]", "b: [Int!]!", ""},
		{"argument made nullable", "y: String!", "y: String", ""},
		{"deprecated field removed", `old: Int @deprecated(reason: "r")`, "", ""},
		{"deprecated enum value removed", "OLD @deprecated", "", ""},
		{"deprecated input field removed", "old: Int @deprecated  d", "d", ""},
		{"enum value added", "ONE TWO", "ONE TWO THREE", ""},
		{"optional input field added", "input I { a: Int", "input I { z: Int a: Int", ""},

		{"field removed", "b: [Int!]", "", "field Query.b removed"},
		{"field type changed", "b: [Int!]", "b: [String!]", "field Query.b changed type"},
		{"output made nullable", "a(x: Int, y: String!): String!", "a(x: Int, y: String!): String", "field Query.a changed type"},
		{"list became scalar", "b: [Int!]", "b: Int", "field Query.b changed type"},
		{"argument removed", "a(x: Int, y: String!)", "a(y: String!)", "argument Query.a(x) removed"},
		{"argument made required", "a(x: Int,", "a(x: Int!,", "argument Query.a(x) changed type"},
		{"argument type changed", "a(x: Int,", "a(x: Float,", "argument Query.a(x) changed type"},
		{"required argument added", "c(x: Int)", "c(x: Int, z: Int!)", "argument Query.c(z) added as required"},
		{"input type renamed", "m(input: I!): Int", "m(input: J!): Int } input J { a: Int", "argument Mutation.m(input) changed type"},
		{"enum value removed", "ONE TWO", "ONE", "enum value E.TWO removed"},
		{"input field removed", "input I { a: Int", "input I {", "input field I.a removed"},
		{"input field made required", "input I { a: Int", "input I { a: Int!", "input field I.a changed type"},
		{"required input field added", "input I { a: Int", "input I { z: Int! a: Int", "input field I.z added as required"},
		{"input field default dropped", "d: Int! = 1", "d: Int!", "input field I.d lost its default value"},
		{"type removed", "type P { id: ID! }", "", "type P removed"},
		{"kind changed", "enum E { ONE TWO OLD @deprecated }", "scalar E", "type E changed from ENUM to SCALAR"},
		{"interface dropped", "type O implements N", "type O", "type O no longer implements N"},
		{"union member removed", "union U = O | P", "union U = O", "union U no longer includes P"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			to := base
			if c.from != "" {
				if !strings.Contains(base, c.from) {
					t.Fatalf("%q not in the base schema", c.from)
				}
				to = strings.Replace(base, c.from, c.to, 1)
			}
			if c.name == "type removed" { // P is still in the union: take it out there too
				to = strings.Replace(to, "union U = O | P", "union U = O", 1)
			}
			got := breakingChanges(parse(t, base), parse(t, to))
			if c.want == "" {
				if len(got) > 0 {
					t.Fatalf("reported %v", got)
				}
				return
			}
			found := false
			for _, g := range got {
				found = found || strings.HasPrefix(g, c.want)
			}
			if !found {
				t.Fatalf("want %q, got %v", c.want, got)
			}
		})
	}
}

func parse(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
	if err != nil {
		t.Fatalf("%v\n%s", err, sdl)
	}
	return s
}
