package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/internal/pid"
)

// OfficialAssignment is one stretch of an official's career in a unit: from a first day to the
// first day they no longer worked there (a transfer, a unit's closure, leaving). The progress
// figures of a year count an official in the unit of their assignment on the year's reference day
// (DESIGN.md §6, §11), so a transfer in 2026 does not move 2025's figures.
type OfficialAssignment struct{ ent.Schema }

func (OfficialAssignment) Mixin() []ent.Mixin { return base(pid.OfficialAssignment) }

func (OfficialAssignment) Fields() []ent.Field {
	return []ent.Field{
		field.Time("valid_from").Immutable().
			Comment("First day the official worked in the unit.").Annotations(entgql.OrderField("VALID_FROM")),
		field.Time("valid_to").Optional().Nillable().
			Comment("First day the official no longer worked in the unit (null while they still do)."),
		field.Enum("reason").Values("HIRE", "TRANSFER", "UNIT_CLOSED", "IMPORT", "RECORDED").Immutable().
			Comment("How the assignment began: HIRE, TRANSFER, UNIT_CLOSED (the unit's successor received the official), IMPORT (a roster import), RECORDED (the unit held before history was kept)."),
		parentKey("official_id", "official_assignments", "Id of the official.", false),
		parentKey("unit_id", "unit_assignments", "Id of the unit.", false),
	}
}

func (OfficialAssignment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("assignments").Unique().Required().Field("official_id").
			Comment("The official."),
		edge.From("unit", Unit.Type).Ref("assignments").Unique().Required().Field("unit_id").
			Comment("The unit."),
	}
}

func (OfficialAssignment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("official_id", "valid_from"),
		index.Fields("valid_from"),
		index.Fields("unit_id", "id"),
	}
}

func (OfficialAssignment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A stretch of an official's career in one unit, effective-dated."),
		entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput),
	}
}

// UnitPlacement is a past stretch of a unit's place in the organisation: the parent, district and
// province it sat under until a dated move (unitUpdate with a new parent, of the unit or of a unit
// above it: a move carries the whole subtree) took it elsewhere. The
// unit's own row holds where it sits now, from its last move. The progress figures of a year count
// a unit (with everything counted in it) under the place it held on the year's reference day
// (DESIGN.md §6, §11), so a move in 2026 does not move 2025's figures.
type UnitPlacement struct{ ent.Schema }

func (UnitPlacement) Mixin() []ent.Mixin { return base(pid.UnitPlacement) }

func (UnitPlacement) Fields() []ent.Field {
	return []ent.Field{
		field.Time("valid_from").Optional().Nillable().Immutable().
			Comment("First day the unit sat here (null: since it began, or since before history was kept)."),
		field.Time("valid_to").Immutable().
			Comment("First day the unit no longer sat here: the effective day of the move that ended it."),
		field.String("parent_id").Optional().Nillable().MaxLen(40).Immutable().Comment("Id of the parent unit it sat under, if any."),
		field.String("district_id").Optional().Nillable().MaxLen(40).Immutable().Comment("Id of the district it belonged to, if any."),
		field.String("province_id").NotEmpty().MaxLen(40).Immutable().Comment("Id of the province it belonged to."),
		parentKey("unit_id", "unit_placements", "Id of the unit.", false),
		// Who ended the stretch (last: SQLite adds a last column in place).
		field.String("moved_by").Optional().Nillable().MaxLen(40).Immutable().
			Comment("Id of the account whose move ended the stretch (null for moves recorded before it was kept)."),
		field.String("moved_with").Optional().Nillable().MaxLen(40).Immutable().
			Comment("Id of the unit above this one whose move carried it along (null: the unit itself moved)."),
	}
}

func (UnitPlacement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("unit", Unit.Type).Ref("placements").Unique().Required().Field("unit_id").
			Comment("The unit."),
	}
}

func (UnitPlacement) Indexes() []ent.Index {
	return []ent.Index{index.Fields("unit_id", "valid_to")}
}

func (UnitPlacement) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A past stretch of a unit's place in the organisation (parent, district, province), effective-dated."),
		entgql.Skip(entgql.SkipAll),
	}
}

// RosterImport is one import of a roster file for a scope (DESIGN.md §11): a dry run or an
// application, run in the background, with its progress, its outcome counts and every error by
// row and column. It keeps the uploaded file it read (nothing a person entered is lost).
type RosterImport struct{ ent.Schema }

func (RosterImport) Mixin() []ent.Mixin { return base(pid.RosterImport) }

func (RosterImport) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("scope_kind").Values("UNIT", "DISTRICT", "PROVINCE").Immutable().
			Comment("What the imported scope is: a unit with its sub-units, a district or a province."),
		field.String("scope_id").NotEmpty().MaxLen(40).Immutable().Comment("Id of the unit, district or province imported."),
		field.Enum("mode").Values("MERGE", "FULL").Immutable().
			Comment("MERGE creates and updates the officials in the file; FULL also ends those of the scope missing from it."),
		field.Bool("dry_run").Immutable().Comment("A dry run reports what would change and writes nothing."),
		field.Enum("status").Values("PENDING", "RUNNING", "SUCCEEDED", "FAILED").Default("PENDING").
			Comment("PENDING, RUNNING, SUCCEEDED, or FAILED (the file has errors, or the import could not finish: nothing was changed)."),
		field.Enum("format").Values("CSV", "XLSX").Immutable().Comment("The file's format."),
		field.Time("effective_on").Immutable().Comment("The import's date: transfers start and FULL mode's ends fall on it."),
		field.String("upload_id").Optional().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("The staged upload the file came in."),
		field.String("storage_key").NotEmpty().MaxLen(300).Immutable().Annotations(hidden()).
			Comment("Where the blob store keeps the file imported."),
		field.String("requested_by").Optional().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("Account that asked for the import (empty from the command line)."),
		field.Int("rows_read").Default(0).Comment("Rows read from the file (the header excluded)."),
		field.Int("rows_checked").Default(0).Comment("Rows checked so far: the progress of a running import."),
		field.Int("to_create").Default(0).Comment("Officials created (or, in a dry run, to create)."),
		field.Int("to_update").Default(0).Comment("Officials whose name, position, category, dates or contact change."),
		field.Int("to_transfer").Default(0).Comment("Officials moved to another unit on the import's date."),
		field.Int("to_end").Default(0).Comment("Officials whose service ends (an end date in the file, or FULL mode)."),
		field.Int("unchanged").Default(0).Comment("Rows that change nothing."),
		field.Int("error_count").Default(0).Comment("Errors found; any error means nothing was applied."),
		field.Bytes("errors").Optional().Annotations(hidden()).Comment("The errors, as JSON (row, column, code, messages)."),
		field.String("failure").Optional().MaxLen(500).Annotations(noFilter()).
			Comment("Why the import could not finish, when it failed other than by errors in the file."),
		field.Time("started_at").Optional().Nillable().Annotations(noFilter()).Comment("When it started running."),
		field.Time("finished_at").Optional().Nillable().Annotations(noFilter()).Comment("When it finished."),
	}
}

func (RosterImport) Indexes() []ent.Index {
	return []ent.Index{index.Fields("requested_by"), index.Fields("scope_id"), index.Fields("status")}
}

func (RosterImport) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An import of a roster file for a scope: a dry run or an application, with its progress and errors."),
		entgql.Skip(entgql.SkipWhereInput),
	}
}
