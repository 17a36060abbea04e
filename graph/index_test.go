package graph

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/migrate"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/graph/generated"
	"github.com/liemchinh/liemchinh/internal/authz"
)

var predicateSuffix = regexp.MustCompile(`(NEQ|NotIn|In|GTE|GT|LTE|LT|ContainsFold|Contains|HasPrefix|HasSuffix|EqualFold|IsNil|NotNil)$`)

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// leading reports whether some index of the table (or its primary key) starts with the column.
func leading(t *schema.Table, column string) bool {
	if len(t.PrimaryKey) > 0 && t.PrimaryKey[0].Name == column {
		return true
	}
	for _, idx := range t.Indexes {
		if len(idx.Columns) > 0 && idx.Columns[0].Name == column {
			return true
		}
	}
	for _, c := range t.Columns {
		if c.Name == column && c.Unique {
			return true
		}
	}
	return false
}

// computedFilters are the filters that are no column, with the column their SQL is selective on:
// overdue and due soon narrow to the few cases in an open state (the open deadline then picks among
// them), assigned to me is the handler foreign key.
var computedFilters = map[string]string{
	"Case.overdue":      "state",
	"Case.dueSoon":      "state",
	"Case.assignedToMe": "account_handled_cases",
}

// storedAs are the filters on a column not named after them: the foreign keys to the official,
// which keep the column name ent gave the edge before they were fields.
var storedAs = map[string]string{
	"Case.officialID":           citizencase.FieldOfficialID,
	"Incident.officialID":       incident.FieldOfficialID,
	"SelfAssessment.officialID": selfassessment.FieldOfficialID,
}

// TestEveryFilterAndOrderIsIndexed: every field the API filters or orders on, and every foreign
// key (ent adds no index for those on PostgreSQL), leads an index, so no list scans a table.
func TestEveryFilterAndOrderIsIndexed(t *testing.T) {
	tables := map[string]*schema.Table{}
	for _, tb := range migrate.Tables {
		tables[tb.Name] = tb
	}
	for _, tb := range migrate.Tables {
		for _, fk := range tb.ForeignKeys {
			if !leading(tb, fk.Columns[0].Name) {
				t.Errorf("foreign key %s.%s has no index", tb.Name, fk.Columns[0].Name)
			}
		}
	}
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	for typ, table := range nodeTables {
		tb := tables[table]
		if where := s.Types[typ+"WhereInput"]; where != nil {
			for _, f := range where.Fields {
				name := f.Name
				if name == "not" || name == "and" || name == "or" || strings.HasPrefix(name, "has") {
					continue // edges are covered by the foreign-key check
				}
				base := predicateSuffix.ReplaceAllString(name, "")
				column := snake(base)
				if c, ok := storedAs[typ+"."+base]; ok {
					column = c
				}
				if c, ok := computedFilters[typ+"."+name]; ok {
					column = c
				}
				if !leading(tb, column) {
					t.Errorf("%s can be filtered on %s (where.%s) but no index starts with %s.%s", typ, column, name, table, column)
				}
			}
		}
		if order := s.Types[typ+"OrderField"]; order != nil {
			for _, v := range order.EnumValues {
				column := strings.ToLower(v.Name)
				if !leading(tb, column) {
					t.Errorf("%s can be ordered by %s but no index starts with %s.%s", typ, v.Name, table, column)
				}
			}
		}
	}
}

// TestNoFilterCrossesIntoScopedData: a where-filter across an edge (hasX, hasXWith) is a SQL
// subquery the authorization interceptors never see, so edges into scoped types offer none.
func TestNoFilterCrossesIntoScopedData(t *testing.T) {
	public := map[string]bool{}
	for _, p := range authz.PublicTypes {
		public[p] = true
	}
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	checked := 0
	for name, d := range s.Types {
		if !strings.HasSuffix(name, "WhereInput") {
			continue
		}
		obj := s.Types[strings.TrimSuffix(name, "WhereInput")]
		for _, f := range d.Fields {
			if !strings.HasPrefix(f.Name, "has") || obj == nil {
				continue
			}
			edge := strings.TrimSuffix(strings.TrimPrefix(f.Name, "has"), "With")
			ef := obj.Fields.ForName(strings.ToLower(edge[:1]) + edge[1:])
			if ef == nil {
				t.Errorf("%s.%s: no edge %s on %s", name, f.Name, edge, obj.Name)
				continue
			}
			target := strings.TrimSuffix(ef.Type.Name(), "Connection")
			checked++
			if !public[target] {
				t.Errorf("%s.%s filters across an edge into %s, which is scoped", name, f.Name, target)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no edge filters found at all: the test looks at the wrong names")
	}
}

// TestForeignKeyFiltersAreEqualityOnly: a filter on a foreign key to the official offers equality
// and membership, nothing else (ent/describe.go): ordering or matching opaque ids means nothing,
// and NEQ, NotIn or IsNil would tell a case about an official the viewer cannot read from a case
// about no one.
func TestForeignKeyFiltersAreEqualityOnly(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	for key := range storedAs {
		typ, base, _ := strings.Cut(key, ".")
		where := s.Types[typ+"WhereInput"]
		if where == nil {
			t.Fatalf("no %sWhereInput", typ)
		}
		var got []string
		for _, f := range where.Fields {
			if strings.HasPrefix(f.Name, base) {
				got = append(got, f.Name)
			}
		}
		if want := []string{base, base + "In"}; !slices.Equal(got, want) {
			t.Errorf("%sWhereInput filters %s with %v, want %v", typ, base, got, want)
		}
	}
}
