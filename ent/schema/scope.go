package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// recordScopeFields are where a record about an official was made: the official's unit when it was
// written (scope_unit_id) and that unit's province (scope_province_id). A supervisor's read filter
// (internal/authz) finds a province's records by one range of the (scope_province_id, id) index
// instead of going through the province's units and officials: on the national seed that way
// took 2.4 s to count a province's 607,000 pledges and 0.56 s for their first page.
//
// internal/recordscope sets both when the record is created; they never change: a record stays
// where it was made (DESIGN.md §11: last year's figures do not move with this year's transfer).
// Empty only for a record created around the hook, which no scoped supervisor then sees. Out of
// the GraphQL API. The last fields of their types, so that SQLite adds them in place.
func recordScopeFields() []ent.Field {
	return []ent.Field{
		field.String("scope_unit_id").Optional().Immutable().Annotations(hidden()).
			Comment("The unit the record was made in: the official's unit when it was written, or the unit commended."),
		field.String("scope_province_id").Optional().Immutable().Annotations(hidden()).
			Comment("The province of scope_unit_id."),
	}
}

// recordScopeIndexes are the indexes the read filters range over.
func recordScopeIndexes() []ent.Index {
	return []ent.Index{index.Fields("scope_unit_id", "id"), index.Fields("scope_province_id", "id")}
}
