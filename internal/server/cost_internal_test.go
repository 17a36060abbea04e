package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/liemchinh/liemchinh/graph/generated"
	"github.com/liemchinh/liemchinh/internal/config"
)

// TestOperationsFitTheLimits computes the complexity of every operation of the mobile app (at
// the default page size where a variable gives it) and requires it to be at most half the default
// GRAPHQL_COMPLEXITY_LIMIT, so the app never meets the limit and weights may grow.
func TestOperationsFitTheLimits(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	es := pagedComplexity{generated.NewExecutableSchema(generated.Config{})}
	for name := range fieldWeights {
		typ, field, _ := cutDot(name)
		if def := es.Schema().Types[typ]; def == nil || def.Fields.ForName(field) == nil {
			t.Errorf("fieldWeights names %s, which the schema does not have", name)
		}
	}
	for name := range searchWeights {
		typ, field, _ := cutDot(name)
		if def := es.Schema().Types[typ]; def == nil || def.Fields.ForName(field) == nil ||
			def.Fields.ForName(field).Arguments.ForName("search") == nil {
			t.Errorf("searchWeights names %s, which has no search argument", name)
		}
	}
	paths, err := filepath.Glob("../../graph/operations/*.graphql")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no operations: %v", err)
	}
	ops := 0
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Name: path, Input: string(src)}, MaxQueryTokens)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if errs := validator.ValidateWithRules(es.Schema(), doc, validationRules(cfg.DepthLimit)()); len(errs) > 0 {
			t.Fatalf("%s: %v", path, errs)
		}
		for _, op := range doc.Operations {
			ops++
			n := complexity.Calculate(context.Background(), es, op, nil)
			if n > cfg.ComplexityLimit/2 {
				t.Errorf("%s: %s has complexity %d, more than half the limit %d", filepath.Base(path), op.Name, n, cfg.ComplexityLimit)
			}
			t.Logf("%-20s %-36s %6d", filepath.Base(path), op.Name, n)
		}
	}
	if ops < 10 {
		t.Fatalf("only %d operations", ops)
	}
}

func cutDot(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// TestSearchWeighs: a search costs its measured weight on top of the page; the same list without
// one does not.
func TestSearchWeighs(t *testing.T) {
	es := pagedComplexity{generated.NewExecutableSchema(generated.Config{})}
	cost := func(q string) int {
		t.Helper()
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
			t.Fatal(errs)
		}
		return complexity.Calculate(context.Background(), es, doc.Operations[0], nil)
	}
	plain := cost(`{ officials(first: 20) { totalCount edges { node { id } } } }`)
	searched := cost(`{ officials(first: 20, search: "nguyen") { totalCount edges { node { id } } } }`)
	if searched-plain != searchWeights["Query.officials"] {
		t.Errorf("officials: %d with a search, %d without; want the difference %d", searched, plain, searchWeights["Query.officials"])
	}
}
