package schema

import (
	"context"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// CitizenCase (GraphQL: Case) is one citizen submission: feedback, a denunciation or praise about an official and/or a unit.
// The row holds what was submitted (never edited) and the current state, which is a projection of
// its CaseEvents.
type CitizenCase struct{ ent.Schema }

func (CitizenCase) Mixin() []ent.Mixin { return base(pid.Case) }

func (CitizenCase) Fields() []ent.Field {
	return []ent.Field{
		field.String("tracking_code").NotEmpty().MaxLen(20).Unique().Immutable().
			Comment("Short unguessable code the citizen follows the case with.").Annotations(hidden()),
		field.String("secret_hash").Sensitive().NotEmpty().Immutable().
			Comment("Hash of the secret given to the citizen with the tracking code."),
		field.Enum("channel").GoType(enum.Channel("")).Immutable().
			Comment("The channel the case is handled under (an anonymous denunciation is handled as FEEDBACK).").
			Annotations(entgql.Type("Channel")),
		field.Enum("requested_channel").GoType(enum.Channel("")).Immutable().
			Comment("The channel the citizen chose when submitting.").Annotations(entgql.Type("Channel")),
		field.Enum("category").GoType(enum.Category("")).Optional().Nillable().Immutable().
			Comment("What the case is about; PRAISE has none.").
			Annotations(entgql.Type("Category")),
		field.Text("description").NotEmpty().Immutable().Comment("The citizen's account, as submitted.").
			Annotations(noFilter()),
		field.Time("incident_date").Optional().Nillable().Immutable().
			Comment("When the conduct happened, as reported.").Annotations(noFilter()),
		field.String("place").Optional().Nillable().MaxLen(500).Immutable().
			Comment("Where it happened, as reported.").Annotations(noFilter()),
		field.Bool("anonymous").Immutable().Comment("True when the reporter gave no identity."),
		field.Bytes("reporter_identity").Optional().Nillable().Sensitive().Immutable().
			Comment("The reporter's identity (name, phone, national id, address), encrypted; never in lists, logs or payloads.").
			Annotations(hidden()),
		field.Bool("reporter_verified").Default(false).
			Comment("Whether the reporter's national id was verified.").Annotations(hidden()),
		field.Enum("state").GoType(enum.CaseState("")).Default(string(enum.CaseSubmitted)).
			Comment("Where the case stands (the latest CaseEvent).").
			Annotations(entgql.Type("CaseState"), entgql.OrderField("STATE")),
		field.Enum("conclusion").Values("SUBSTANTIATED", "PARTLY_SUBSTANTIATED", "UNSUBSTANTIATED").
			Optional().Nillable().Comment("The conclusion of the verification."),
		field.Time("received_at").Immutable().Comment("When the case was received.").
			Annotations(entgql.OrderField("RECEIVED_AT")),
		field.Time("acknowledge_due_at").Optional().Nillable().
			Comment("Deadline to accept (denunciation: 7 working days) or acknowledge (feedback: 8 working hours).").
			Annotations(noFilter()),
		field.Time("due_at").Optional().Nillable().
			Comment("Deadline for the conclusion or answer, extensions included.").
			Annotations(entgql.OrderField("DUE_AT")),
		field.Enum("complexity").Values("COMPLEX", "VERY_COMPLEX").Optional().Nillable().
			Comment("Set by the first extension: a COMPLEX case may be extended once, a VERY_COMPLEX one twice.").
			Annotations(noFilter()),
		field.Int("extension_count").Default(0).NonNegative().
			Comment("How many times the deadline was extended.").Annotations(noFilter()),
		field.Time("accepted_at").Optional().Nillable().Comment("When accepted.").Annotations(noFilter()),
		field.Time("concluded_at").Optional().Nillable().Comment("When concluded.").Annotations(noFilter()),
		field.Time("closed_at").Optional().Nillable().Comment("When closed.").Annotations(noFilter()),
		field.Int("rating").Optional().Nillable().Range(1, 5).
			Comment("The citizen's rating of the outcome, 1 to 5.").Annotations(noFilter()),
		field.Text("subject_notice").Optional().Nillable().
			Comment("The notice to the official concerned, written by the handler when verification starts: what they are asked to explain (no citizen text).").
			Annotations(noFilter()),
		field.Time("subject_visible_at").Optional().Nillable().
			Comment("From when the official concerned sees the case: the start of verification (praise: acceptance); null while hidden from them.").
			Annotations(hidden()),
		field.Text("public_note").Optional().Nillable().
			Comment("The handler's public outcome note, written when closing a feedback or praise case and published as open data (Open311 status_notes): no citizen text, no names.").
			Annotations(noFilter()),
		officialID("official_cases", "Id of the official the case is about, if named.", true),
		caseProvinceField(),
		// Last: SQLite adds a last column in place.
		field.String("reporter_link").Optional().Nillable().Sensitive().Immutable().MaxLen(64).
			Comment("For an identified case submitted by a citizen signed in with OpenID Connect: a keyed hash of their verified identity (never the identity itself, and not the hash accounts are linked by), so they can list their own cases; null otherwise, always null for an anonymous case.").
			Annotations(hidden()),
	}
}

func (CitizenCase) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("unit", Unit.Type).Ref("cases").Unique().Required().
			Comment("The unit the case is about (or in charge of it after a transfer)."),
		edge.From("official", Official.Type).Ref("cases").Unique().Field("official_id").
			Comment("The official the case is about, if named.").
			Annotations(noFilter()),
		edge.From("handler", Account.Type).Ref("handled_cases").Unique().
			Comment("The inspector assigned to handle the case.").Annotations(hidden()),
		edge.To("duplicates", CitizenCase.Type).Comment("Cases marked as repeating this one.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("duplicate_of", CitizenCase.Type).Ref("duplicates").Unique().
			Comment("The case this one repeats, if marked as a duplicate.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("events", CaseEvent.Type).Comment("Every transition of the case, oldest first.").
			Annotations(noFilter(), connection()),
		edge.To("messages", CaseMessage.Type).Comment("Messages between the handler and the reporter.").
			Annotations(noFilter(), connection()),
		edge.To("evidence", Evidence.Type).Comment("Evidence files attached to the case.").
			Annotations(noFilter()),
		edge.To("transferred_to", Unit.Type).Unique().
			Comment("The unit in charge the case was transferred to, if it was.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("uploads", Upload.Type).Comment("Staged uploads attached to the case.").Annotations(hidden()),
		edge.To("incidents", Incident.Type).Comment("Incidents created by the case's conclusion.").
			Annotations(noFilter()),
	}
}

func (CitizenCase) Indexes() []ent.Index {
	return []ent.Index{
		index.Edges("unit"),
		index.Edges("official"),
		index.Edges("handler"),
		index.Edges("duplicate_of"),
		index.Edges("transferred_to"),
		index.Fields("state"),
		index.Fields("channel"),
		index.Fields("requested_channel"),
		index.Fields("category"),
		index.Fields("anonymous"),
		index.Fields("conclusion"),
		index.Fields("received_at"),
		index.Fields("due_at"),
		index.Fields("scope_province_id", "id"),
		index.Fields("closed_at"),           // a month's closed cases (the open figures)
		index.Fields("reporter_link", "id"), // a signed-in citizen's own cases, by page
	}
}

func (CitizenCase) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A citizen's feedback, denunciation or praise about an official or a unit."),
		entsql.Annotation{Table: "cases"},
		entgql.Type("Case"), entgql.RelayConnection(), // Query.cases is declared in graph/schema/search.graphqls (it takes search)
	}
}

// CaseEvent is one transition or action on a case, kept forever.
type CaseEvent struct{ ent.Schema }

func (CaseEvent) Mixin() []ent.Mixin { return base(pid.CaseEvent) }

func (CaseEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("SUBMITTED", "ACCEPTED", "REJECTED", "TRANSFERRED", "ASSIGNED",
			"VERIFICATION_STARTED", "EXTENDED", "CONCLUDED", "CLOSED", "WITHDRAWN", "MARKED_DUPLICATE",
			"MESSAGE", "EVIDENCE_ADDED", "RATED").Immutable().
			Comment("What happened."),
		field.Enum("from_state").GoType(enum.CaseState("")).Optional().Nillable().Immutable().
			Comment("State before the event (null for the submission).").Annotations(entgql.Type("CaseState"), noFilter()),
		field.Enum("to_state").GoType(enum.CaseState("")).Immutable().Comment("State after the event.").
			Annotations(entgql.Type("CaseState"), noFilter()),
		field.Enum("actor_kind").Values("CITIZEN", "STAFF", "SYSTEM").Immutable().
			Comment("Who acted: the citizen, a staff member, or the system.").Annotations(noFilter()),
		field.Text("note").Default("").Immutable().Comment("Reason, decision number or findings.").
			Annotations(noFilter()),
		field.Bool("public").Default(true).Immutable().
			Comment("Whether the citizen sees the event on their timeline.").Annotations(noFilter()),
		field.Time("occurred_at").Immutable().Comment("When it happened.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
	}
}

func (CaseEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("case", CitizenCase.Type).Ref("events").Unique().Required().Immutable().Comment("The case.").
			Annotations(noFilter()),
		edge.From("actor", Account.Type).Ref("case_events").Unique().Immutable().
			Comment("The staff account that acted.").Annotations(hidden()),
	}
}

// Hooks trim the note on every write (handling, citizen actions, seeds): no recorded note keeps
// surrounding spaces, and nothing inside it is changed.
func (CaseEvent) Hooks() []ent.Hook { return []ent.Hook{trimmed("note")} }

func (CaseEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Edges("case"),
		index.Fields("occurred_at"),
		index.Edges("actor"),
		index.Fields("kind"),
	}
}

func (CaseEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One transition or action on a citizen case, with actor, time and note."),
		entgql.RelayConnection(),
	}
}

// CaseMessage is a message between the handler and the reporter of a case.
type CaseMessage struct{ ent.Schema }

func (CaseMessage) Mixin() []ent.Mixin { return base(pid.CaseMessage) }

func (CaseMessage) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("direction").Values("TO_REPORTER", "FROM_REPORTER", "INTERNAL").Immutable().
			Comment("TO_REPORTER from the handler, FROM_REPORTER from the citizen, INTERNAL between staff."),
		field.Text("body").NotEmpty().Immutable().Comment("The message.").Annotations(noFilter()),
		field.Time("sent_at").Immutable().Comment("When sent.").Annotations(entgql.OrderField("SENT_AT")),
	}
}

func (CaseMessage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("case", CitizenCase.Type).Ref("messages").Unique().Required().Immutable().Comment("The case.").
			Annotations(noFilter()),
		edge.From("author", Account.Type).Ref("case_messages").Unique().Immutable().
			Comment("The staff author, if not the citizen.").Annotations(hidden()),
	}
}

// Hooks trim the body on every write, as CaseEvent's note.
func (CaseMessage) Hooks() []ent.Hook { return []ent.Hook{trimmed("body")} }

func (CaseMessage) Indexes() []ent.Index {
	return []ent.Index{index.Edges("case"), index.Fields("sent_at"), index.Edges("author"), index.Fields("direction")}
}

func (CaseMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A message between a case's handler and its reporter."),
		entgql.RelayConnection(),
	}
}

// Evidence is a file attached to a case.
type Evidence struct{ ent.Schema }

func (Evidence) Mixin() []ent.Mixin { return base(pid.Evidence) }

func (Evidence) Fields() []ent.Field {
	return []ent.Field{
		field.String("content_type").NotEmpty().MaxLen(100).Immutable().Comment("MIME type of the file."),
		field.Int64("size").NonNegative().Immutable().Comment("Size in bytes."),
		field.String("sha256").NotEmpty().MaxLen(64).Immutable().Comment("SHA-256 of the content, hex."),
		field.String("storage_key").NotEmpty().MaxLen(300).Immutable().
			Comment("Where the blob store keeps the file.").Annotations(hidden()),
		field.Time("uploaded_at").Immutable().Comment("When the file was received."),
		field.Bool("sanitized").Default(true).Immutable().
			Comment("Whether location and author metadata were removed; a file the server could not clean is served only to those who may read the reporter's identity."),
	}
}

func (Evidence) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("case", CitizenCase.Type).Ref("evidence").Unique().Required().Immutable().Comment("The case.").
			Annotations(noFilter()),
	}
}

func (Evidence) Indexes() []ent.Index { return []ent.Index{index.Edges("case")} }

func (Evidence) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A file attached to a citizen case as evidence."), entgql.Skip(entgql.SkipWhereInput)}
}

// Upload is an evidence file staged by a one-time URL: declared first (type, size, SHA-256), then
// PUT by the client, checked and stored, then attached to a case.
type Upload struct{ ent.Schema }

func (Upload) Mixin() []ent.Mixin { return base(pid.Upload) }

func (Upload) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive().
			Comment("SHA-256 of the one-time upload token."),
		field.String("content_type").NotEmpty().MaxLen(100).
			Comment("MIME type: as declared, then, once received, the stored file's (a HEIC photo is stored as JPEG)."),
		field.Int64("size").Positive().Immutable().Comment("Declared size in bytes."),
		field.String("sha256").NotEmpty().MaxLen(64).Immutable().Comment("Declared SHA-256, hex."),
		field.Enum("status").Values("PENDING", "RECEIVED", "ATTACHED").Default("PENDING").Comment("Where the upload stands."),
		field.String("storage_key").Optional().MaxLen(300).Comment("Where the blob store keeps the checked file."),
		field.Int64("stored_size").Optional().Comment("Size stored after metadata was stripped."),
		field.Bool("sanitized").Default(true).Comment("Whether the stored file had its location and author metadata removed."),
		field.String("owner").NotEmpty().MaxLen(80).Immutable().Comment("Who staged it: an account id or an anonymous client."),
		field.Time("expires_at").Immutable().Comment("After this the URL no longer works."),
		field.Enum("purpose").Values("EVIDENCE", "ROSTER").Default("EVIDENCE").Immutable().
			Comment("What the file is for: a case's evidence, or a roster to import (CSV or XLSX, staff only)."),
	}
}

func (Upload) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("case", CitizenCase.Type).Ref("uploads").Unique().Comment("The case it is attached to."),
	}
}

func (Upload) Indexes() []ent.Index {
	return []ent.Index{index.Edges("case"), index.Fields("expires_at")}
}

func (Upload) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A staged evidence upload."), hidden()}
}

// trimmed removes the surrounding white space of a text field on create and update (one rule for
// every writer). An empty result still meets the field's validators, which run after hooks.
func trimmed(name string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if v, ok := m.Field(name); ok {
				if s, ok := v.(string); ok {
					if t := strings.TrimSpace(s); t != s {
						if err := m.SetField(name, t); err != nil {
							return nil, err
						}
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
