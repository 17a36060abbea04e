package graph_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/graph"
	"github.com/liemchinh/liemchinh/graph/generated"
)

// TestSchemaIsCommitted fails on any change to the API that was not reviewed: regenerate with
// `go generate ./...` and commit graph/schema.graphql with the change.
func TestSchemaIsCommitted(t *testing.T) {
	want, err := os.ReadFile("schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if got := graph.PrintSchema(); got != string(want) {
		t.Fatal("graph/schema.graphql is out of date: run `go generate ./...` and review the diff")
	}
}

// TestSchemaIsDocumented checks that every type, field, argument and enum value has a description.
func TestSchemaIsDocumented(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	var missing []string
	for name, d := range s.Types {
		if d.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if strings.TrimSpace(d.Description) == "" {
			missing = append(missing, name)
		}
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if strings.TrimSpace(f.Description) == "" {
				missing = append(missing, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing = append(missing, name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		if d.Kind == ast.Enum {
			for _, v := range d.EnumValues {
				if strings.TrimSpace(v.Description) == "" {
					missing = append(missing, name+"."+v.Name)
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d schema elements without a description, e.g. %v", len(missing), missing[:min(len(missing), 20)])
	}
}

// TestDesignNames checks the names DESIGN.md §9 promises clients.
func TestDesignNames(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	want := map[string][]string{
		"Query":              {"node", "nodes", "provinces", "districts", "units", "officials", "pledges", "selfAssessments", "cases", "incidents", "commendations", "inspections", "campaigns"},
		"Province":           {"code", "name", "districts", "units"},
		"District":           {"code", "name", "units"},
		"Unit":               {"name", "level", "officials", "children"},
		"Official":           {"fullName", "category", "unit", "pledges", "selfAssessments", "commendations"},
		"Pledge":             {"year"},
		"ProvinceWhereInput": {"code"},
		"DistrictWhereInput": {"code"},
	}
	for typ, fields := range want {
		d := s.Types[typ]
		if d == nil {
			t.Errorf("type %s missing", typ)
			continue
		}
		for _, f := range fields {
			if d.Fields.ForName(f) == nil {
				t.Errorf("%s.%s missing", typ, f)
			}
		}
	}
	for _, conn := range []string{"provinces", "districts", "units", "officials", "pledges", "cases"} {
		f := s.Query.Fields.ForName(conn)
		for _, arg := range []string{"first", "after", "last", "before", "where", "orderBy"} {
			if f.Arguments.ForName(arg) == nil {
				t.Errorf("Query.%s has no %s argument", conn, arg)
			}
		}
	}
}
