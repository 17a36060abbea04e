package graph_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/liemchinh/liemchinh/graph/generated"
)

// operationsDir holds the GraphQL documents of the mobile app. Each file is validated on its own,
// so a fragment is defined in the file that uses it.
const operationsDir = "operations"

// requiredRootFields must be used by some operation: without them the app cannot sign in or
// find out who is signed in.
var requiredRootFields = []string{"Mutation.login", "Mutation.tokenRefresh", "Query.viewer"}

// TestOperations validates the mobile app's operations against the schema, so that a schema change
// that would break the app, or a new retry-safe mutation the app has no operation for, fails here.
func TestOperations(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	paths, err := filepath.Glob(filepath.Join(operationsDir, "*.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no *.graphql files in %s", operationsDir)
	}

	docs := map[string]*ast.QueryDocument{} // file name -> document, for the checks across files
	for _, path := range paths {
		file := filepath.Base(path)
		t.Run(file, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := parser.ParseQuery(&ast.Source{Name: file, Input: string(src)})
			if err != nil {
				t.Fatal(describe(file, err))
			}
			seen := map[string]bool{} // an error inside a fragment is reported once per use
			for _, e := range validator.ValidateWithRules(schema, doc, nil) {
				if msg := describe(file, e); !seen[msg] {
					seen[msg] = true
					t.Error(msg)
				}
			}
			if len(doc.Operations) == 0 {
				t.Errorf("%s: no operation", file)
			}
			lines := strings.Split(string(src), "\n")
			for _, op := range doc.Operations {
				if op.Name == "" {
					t.Errorf("%s:%d: anonymous %s: name every operation", file, op.Position.Line, op.Operation)
				}
				if !commented(lines, op.Position.Line) {
					t.Errorf("%s:%d: operation %q is not preceded by a # comment saying what it is for, who calls it and its userErrors",
						file, op.Position.Line, op.Name)
				}
			}
			for _, f := range doc.Fragments {
				if !commented(lines, f.Position.Line) {
					t.Errorf("%s:%d: fragment %q is not preceded by a # comment", file, f.Position.Line, f.Name)
				}
			}
			if !t.Failed() {
				docs[file] = doc
			}
		})
	}
	if len(docs) != len(paths) {
		return // the failures above say why; the checks below need every file
	}

	t.Run("names are unique across files", func(t *testing.T) {
		ops, frags := map[string]string{}, map[string]string{}
		for _, file := range sortedKeys(docs) {
			for _, op := range docs[file].Operations {
				if prev, ok := ops[op.Name]; ok {
					t.Errorf("%s: operation %q is also defined in %s", file, op.Name, prev)
				}
				ops[op.Name] = file
			}
			// Client code generators compile every document together.
			for _, f := range docs[file].Fragments {
				if prev, ok := frags[f.Name]; ok {
					t.Errorf("%s: fragment %q is also defined in %s", file, f.Name, prev)
				}
				frags[f.Name] = file
			}
		}
	})

	used := map[string]bool{} // "Query.viewer", "Mutation.login", ...
	for _, file := range sortedKeys(docs) {
		for _, op := range docs[file].Operations {
			for _, f := range rootFields(docs[file], op.SelectionSet) {
				used[rootTypeName(op.Operation)+"."+f.Name] = true
			}
		}
	}

	t.Run("required root fields", func(t *testing.T) {
		for _, name := range requiredRootFields {
			if !used[name] {
				t.Errorf("no operation uses %s", name)
			}
		}
	})

	keyed := idempotentMutations(schema)
	if len(keyed) == 0 {
		t.Fatal("no mutation of the schema takes an idempotencyKey: is the check still right?")
	}

	t.Run("every idempotent mutation has an operation", func(t *testing.T) {
		for _, name := range keyed {
			if !used["Mutation."+name] {
				t.Errorf("mutation %s takes an idempotencyKey but no operation in %s uses it: add one", name, operationsDir)
			}
		}
	})

	t.Run("idempotencyKey is a variable", func(t *testing.T) {
		isKeyed := map[string]bool{}
		for _, name := range keyed {
			isKeyed[name] = true
		}
		for _, file := range sortedKeys(docs) {
			doc := docs[file]
			for _, op := range doc.Operations {
				if op.Operation != ast.Mutation {
					continue
				}
				for _, f := range rootFields(doc, op.SelectionSet) {
					if !isKeyed[f.Name] {
						continue
					}
					if in := f.Arguments.ForName("input"); in != nil && !keyFromVariable(in.Value) {
						t.Errorf("%s: %s passes %s a literal idempotencyKey: take it as a variable, one per user action",
							file, op.Name, f.Name)
					}
				}
			}
		}
	})
}

// describe formats a parse or validation error with the file name and position.
func describe(file string, err error) string {
	var e *gqlerror.Error
	if !errors.As(err, &e) {
		return fmt.Sprintf("%s: %v", file, err)
	}
	if len(e.Locations) == 0 {
		return fmt.Sprintf("%s: %s", file, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Locations[0].Line, e.Locations[0].Column, e.Message)
}

// commented reports whether the line before line (1-based) is a # comment.
func commented(lines []string, line int) bool {
	return line >= 2 && line-2 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[line-2]), "#")
}

// rootFields returns the fields selected at the top of an operation, through fragments.
func rootFields(doc *ast.QueryDocument, set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, rootFields(doc, s.SelectionSet)...)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(s.Name); f != nil {
				out = append(out, rootFields(doc, f.SelectionSet)...)
			}
		}
	}
	return out
}

func rootTypeName(op ast.Operation) string {
	switch op {
	case ast.Mutation:
		return "Mutation"
	case ast.Subscription:
		return "Subscription"
	}
	return "Query"
}

// idempotentMutations returns the mutations whose input has an idempotencyKey, sorted.
func idempotentMutations(schema *ast.Schema) []string {
	var out []string
	for _, f := range schema.Mutation.Fields {
		for _, arg := range f.Arguments {
			if in := schema.Types[arg.Type.Name()]; in != nil && in.Kind == ast.InputObject &&
				in.Fields.ForName("idempotencyKey") != nil {
				out = append(out, f.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// keyFromVariable reports whether an input argument takes its idempotencyKey from a variable:
// the whole input is a variable, or its idempotencyKey field is.
func keyFromVariable(v *ast.Value) bool {
	switch v.Kind {
	case ast.Variable:
		return true
	case ast.ObjectValue:
		if k := v.Children.ForName("idempotencyKey"); k != nil {
			return k.Kind == ast.Variable
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
