//go:build ignore

package main

import (
	"fmt"
	"strings"

	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// predicateSuffixes are the where-input operators entgql adds to a field name, longest first.
var predicateSuffixes = []struct{ suffix, text string }{
	{"ContainsFold", "contains the value, ignoring case"},
	{"EqualFold", "equals the value, ignoring case"},
	{"HasPrefix", "starts with the value"},
	{"HasSuffix", "ends with the value"},
	{"Contains", "contains the value"},
	{"NotNil", "is set"},
	{"IsNil", "is not set"},
	{"NotIn", "is none of the values"},
	{"NEQ", "differs from the value"},
	{"GTE", "is greater than or equal to the value"},
	{"LTE", "is less than or equal to the value"},
	{"GT", "is greater than the value"},
	{"LT", "is less than the value"},
	{"In", "is one of the values"},
}

// describeGenerated gives a description to every type, field and enum value that entgql generates
// without one, so that the whole printed schema is documented.
func describeGenerated(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
		d, ok := s.Types[gqlName(n)]
		if !ok {
			continue
		}
		if w := s.Types[gqlName(n)+"WhereInput"]; w != nil {
			w.Fields = filterPredicates(n, w.Fields)
		}
		if c, ok := n.Annotations["Comment"].(map[string]any); ok && d.Description == "" {
			d.Description, _ = c["Text"].(string)
		}
		for _, e := range n.Edges {
			if f := d.Fields.ForName(camel(e.Name)); f != nil && e.Comment() != "" {
				f.Description = e.Comment()
			}
		}
	}
	for _, d := range s.Types {
		if strings.HasPrefix(d.Name, "__") {
			continue
		}
		for _, f := range d.Fields {
			if f.Description != "" {
				continue
			}
			f.Description = fieldDescription(d, f)
		}
		for _, f := range d.Fields {
			for _, a := range f.Arguments {
				if a.Description == "" || a.Name == "first" || a.Name == "last" {
					a.Description = argumentDescription(a.Name)
				}
			}
		}
		for _, v := range d.EnumValues {
			if v.Description == "" {
				v.Description = fmt.Sprintf("%s value %s.", d.Name, v.Name)
			}
		}
		if d.Description == "" {
			d.Description = typeDescription(d)
		}
	}
	return nil
}

// filterPredicates drops from a type's where input the predicates the API must not offer: hasX and
// hasXWith of an edge that takes its own where argument (schema.EdgeWhere: they would filter the
// parent by rows the read filters never see), and every operator on a foreign-key field but
// equality and membership (ordering or matching opaque ids means nothing; unset-or-not and
// inequality would tell a row about someone unreadable from one about no one).
func filterPredicates(n *gen.Type, fields ast.FieldList) ast.FieldList {
	camel := gen.Funcs["camel"].(func(string) string) // entgql's names: official_id -> officialID
	drop := map[string]bool{}
	for _, e := range n.Edges {
		if _, ok := e.Annotations["EdgeWhere"]; ok {
			drop[camel("has_"+e.Name)], drop[camel("has_"+e.Name+"_with")] = true, true
		}
	}
	for _, f := range n.Fields {
		if !f.IsEdgeField() {
			continue
		}
		for _, op := range f.Ops() {
			if op != gen.EQ && op != gen.In {
				drop[camel(f.Name+"_"+op.Name())] = true
			}
		}
	}
	kept := fields[:0]
	for _, f := range fields {
		if !drop[f.Name] {
			kept = append(kept, f)
		}
	}
	return kept
}

func typeDescription(d *ast.Definition) string {
	switch {
	case strings.HasSuffix(d.Name, "Connection"):
		return fmt.Sprintf("A Relay connection (one page) of %s.", strings.TrimSuffix(d.Name, "Connection"))
	case strings.HasSuffix(d.Name, "Edge"):
		return fmt.Sprintf("An edge of a %sConnection: a node and its cursor.", strings.TrimSuffix(d.Name, "Edge"))
	case strings.HasSuffix(d.Name, "OrderField"):
		return fmt.Sprintf("Fields %s connections can be ordered by.", strings.TrimSuffix(d.Name, "OrderField"))
	case strings.HasSuffix(d.Name, "Order"):
		return fmt.Sprintf("Ordering of %s connections.", strings.TrimSuffix(d.Name, "Order"))
	}
	return fmt.Sprintf("%s, as generated from the data model.", d.Name)
}

func fieldDescription(d *ast.Definition, f *ast.FieldDefinition) string {
	switch {
	case d.Kind == ast.InputObject && strings.HasSuffix(d.Name, "WhereInput"):
		return predicateDescription(f.Name)
	case f.Name == "edges":
		return "The edges of this page."
	case f.Name == "node":
		return "The object at the end of the edge."
	case f.Name == "cursor":
		return "A cursor for use in pagination (after/before)."
	case f.Name == "pageInfo":
		return "Information to aid in pagination."
	case f.Name == "totalCount":
		return "Number of objects matching the filter, across all pages."
	case f.Name == "direction":
		return "The ordering direction."
	case f.Name == "field":
		return "The field by which to order."
	}
	return fmt.Sprintf("The %s of the %s.", f.Name, d.Name)
}

func predicateDescription(name string) string {
	switch name {
	case "not":
		return "Matches objects that do not match the given filter."
	case "and":
		return "Matches objects that match all the given filters."
	case "or":
		return "Matches objects that match any of the given filters."
	}
	if strings.HasPrefix(name, "has") && len(name) > 3 {
		edge := strings.TrimSuffix(name[3:], "With")
		if strings.HasSuffix(name, "With") {
			return fmt.Sprintf("Matches objects with a %s matching any of the given filters.", lowerFirst(edge))
		}
		return fmt.Sprintf("Matches objects that have (true) or lack (false) a %s.", lowerFirst(edge))
	}
	for _, p := range predicateSuffixes {
		if strings.HasSuffix(name, p.suffix) && len(name) > len(p.suffix) {
			return fmt.Sprintf("Matches objects whose %s %s.", strings.TrimSuffix(name, p.suffix), p.text)
		}
	}
	return fmt.Sprintf("Matches objects whose %s equals the value.", name)
}

func argumentDescription(name string) string {
	switch name {
	case "after":
		return "Returns the elements that come after this cursor."
	case "first":
		return "Returns the first n elements (default 20, at most 100)."
	case "before":
		return "Returns the elements that come before this cursor."
	case "last":
		return "Returns the last n elements (at most 100)."
	case "orderBy":
		return "Ordering options for the returned elements."
	case "where":
		return "Filtering options for the returned elements."
	}
	return "The " + name + "."
}

// gqlName is the GraphQL type name of an ent node (entgql.Type renames some, e.g. CitizenCase).
func gqlName(n *gen.Type) string {
	if a, ok := n.Annotations["EntGQL"].(map[string]any); ok {
		if t, ok := a["Type"].(string); ok && t != "" {
			return t
		}
	}
	return n.Name
}

// camel turns an ent edge name (snake_case) into its GraphQL field name.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
