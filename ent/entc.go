//go:build ignore

// entc.go drives ent codegen with the entgql extension; run it through generate.go at the module
// root (go generate ./...), never on its own, so that gqlgen always runs after it.
package main

import (
	"bytes"
	"log"
	"os"
	"path/filepath"
	"text/template/parse"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	pageEdgesPerParent()
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(false),
		entgql.WithSchemaHook(describeGenerated),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "github.com/liemchinh/liemchinh/ent",
		Features: []gen.Feature{
			gen.FeatureNamedEdges,
			gen.FeatureVersionedMigration,
			gen.FeatureUpsert,
			gen.FeatureIntercept,
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureLock,
			gen.FeatureExecQuery,
		},
		Hooks: []gen.Hook{markEdgeParents},
	}, entc.Extensions(ex), entc.TemplateFiles("./ent/template/edgepage.tmpl"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// pageEdgesPerParent makes the nested connections read only the rows they keep: entgql's field
// collection pages a nested edge with entgql.LimitPerRow (a ROW_NUMBER() window over every child of
// every parent); the generated code calls limitPerRow instead (ent/template/edgepage.tmpl, which
// is internal/edgepage.LimitPerRow: a LATERAL page per parent). The call is rewritten in the parsed
// template, so entgql's template itself is used as shipped; codegen stops if it no longer has the
// call (an entgql upgrade that moved it must be looked at).
//
// The counts of nested connections (totalCount per parent) state their parents through edgeIn
// (internal/edgepage.In: one array argument on PostgreSQL) instead of sql.InValues, rewritten the
// same way.
func pageEdgesPerParent() {
	rewrites := []struct{ from, to string }{
		{"entgql.LimitPerRow(", "limitPerRow("},
		{"s.Where(sql.InValues(s.C(", "s.Where(edgeIn(s, s.C("},
	}
	n := make([]int, len(rewrites))
	var walk func(parse.Node)
	walk = func(node parse.Node) {
		switch node := node.(type) {
		case *parse.ListNode:
			if node != nil {
				for _, c := range node.Nodes {
					walk(c)
				}
			}
		case *parse.TextNode:
			for i, r := range rewrites {
				n[i] += bytes.Count(node.Text, []byte(r.from))
				node.Text = bytes.ReplaceAll(node.Text, []byte(r.from), []byte(r.to))
			}
		case *parse.IfNode:
			walk(node.List)
			walk(node.ElseList)
		case *parse.RangeNode:
			walk(node.List)
			walk(node.ElseList)
		case *parse.WithNode:
			walk(node.List)
			walk(node.ElseList)
		}
	}
	for _, t := range entgql.CollectionTemplate.Templates() {
		if t.Tree != nil {
			walk(t.Tree.Root)
		}
	}
	for i, r := range rewrites {
		if n[i] == 0 {
			log.Fatalf("entgql's collection template no longer calls %s: see pageEdgesPerParent", r.from)
		}
	}
}

// markEdgeParents has the eager loaders of to-many edges state their parents through edgeParents
// (internal/edgepage.Parents) instead of sql.InValues, so that a nested page per parent can leave
// that list out of each parent's query. ent's loader template is used as shipped; the call is
// rewritten in the generated files, and codegen stops if it finds none to rewrite.
func markEdgeParents(next gen.Generator) gen.Generator {
	return gen.GenerateFunc(func(g *gen.Graph) error {
		if err := next.Generate(g); err != nil {
			return err
		}
		from, to := []byte("s.Where(sql.InValues(s.C("), []byte("s.Where(edgeParents(s, s.C(")
		files, err := filepath.Glob(filepath.Join(g.Config.Target, "*_query.go"))
		if err != nil {
			return err
		}
		n := 0
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if c := bytes.Count(b, from); c > 0 {
				n += c
				if err := os.WriteFile(f, bytes.ReplaceAll(b, from, to), 0o644); err != nil {
					return err
				}
			}
		}
		if n == 0 {
			log.Fatalf("ent's eager loaders no longer call sql.InValues(s.C(...)): see markEdgeParents")
		}
		return nil
	})
}
