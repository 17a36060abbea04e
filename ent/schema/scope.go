package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
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

// caseProvinceField is the province of a case's unit, kept with the unit: unlike a record about an
// official, a case moves with a transfer, and its province with it (internal/recordscope sets it
// whenever the unit is set). A province supervisor's cases are then one range of the
// (scope_province_id, id) index instead of an index probe for each of the province's units (5,224
// probes and 98 ms to count the 67,174 cases of the largest province on the national seed). Out of
// the GraphQL API. (Its edges' columns follow it, so SQLite's migration rebuilds the table.)
func caseProvinceField() ent.Field {
	return field.String("scope_province_id").Optional().Annotations(hidden()).
		Comment("The province of the case's unit, kept with it.")
}

// RecordCount is how many records of a kind were made in a unit (scope_unit_id and
// scope_province_id, as the records carry them): the totals a supervisor's unfiltered list
// answers its totalCount from. Counting a province's 607,340 pledges from the index took
// 150-350 ms on the national seed; summing its 5,224 units' counts takes a few. internal/recordscope
// keeps the counts in the same transaction as every record written or deleted through ent, in a
// few shards so that writers in one unit seldom wait on one row; seeds and repairs rebuild them
// from the records (recordscope.RebuildCounts). Never exposed through GraphQL.
type RecordCount struct{ ent.Schema }

func (RecordCount) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").NotEmpty().MaxLen(32).Comment("The records' table: acknowledgements, pledges or self_assessments."),
		field.String("scope_unit_id").Comment("The unit the records were made in (empty for records made around the stamp)."),
		field.String("scope_province_id").Comment("The province of scope_unit_id when the records were made."),
		field.Int("shard").NonNegative().Comment("Shard of the count; the count is the sum over its shards."),
		field.Int64("n").Comment("The shard's share of the count."),
	}
}

func (RecordCount) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("kind", "scope_unit_id", "scope_province_id", "shard").Unique(),
		index.Fields("kind", "scope_province_id"),
	}
}

func (RecordCount) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("How many records of a kind were made in a unit, in shards: the totals of supervisors' unfiltered lists."),
		entgql.Skip(entgql.SkipAll),
	}
}
