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

// ActivationCode is a one-time code that sets an account's password (DESIGN.md §11): issued when
// the account is provisioned, again by a manager in scope, or for a self-service reset. Only its
// keyed hash is kept; it works once, before it expires, and a newer code of the account ends it.
type ActivationCode struct{ ent.Schema }

func (ActivationCode) Mixin() []ent.Mixin { return base(pid.ActivationCode) }

func (ActivationCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("code_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive().
			Comment("HMAC-SHA256 of the code under a server key, hex."),
		field.Enum("purpose").Values("ACTIVATION", "RESET").Immutable().
			Comment("ACTIVATION (provisioning, or a manager's new code) or RESET (self-service)."),
		field.Time("expires_at").Immutable().Comment("When the code stops working if unused."),
		field.Time("used_at").Optional().Nillable().Comment("When the code was spent, or ended by a newer one."),
		field.String("account_id").Immutable().Comment("Id of the account the code sets the password of."),
		field.String("issued_by").Optional().MaxLen(40).Immutable().
			Comment("Id of the account that issued it (empty for provisioning by the system or a self-service reset)."),
	}
}

func (ActivationCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("activation_codes").Unique().Required().Immutable().
			Field("account_id").Comment("The account."),
	}
}

func (ActivationCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "used_at"), index.Fields("expires_at")}
}

func (ActivationCode) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A one-time activation or password reset code (its hash)."), hidden()}
}

// ActivationSheet is the printable list of a unit's new activation codes, kept sealed
// (AES-256-GCM under REPORTER_KEY) until the unit's manager or a supervisor in scope downloads it
// once; the codes are then erased.
type ActivationSheet struct{ ent.Schema }

func (ActivationSheet) Mixin() []ent.Mixin { return base(pid.ActivationSheet) }

func (ActivationSheet) Fields() []ent.Field {
	return []ent.Field{
		field.String("unit_id").NotEmpty().MaxLen(40).Immutable().
			Comment("Id of the unit whose officials' codes the sheet holds."),
		field.Int("accounts").NonNegative().Immutable().Comment("How many codes the sheet holds.").
			Annotations(noFilter()),
		field.Bytes("sealed").Optional().Nillable().Sensitive().
			Comment("The codes, sealed; erased once downloaded.").Annotations(hidden()),
		field.Time("expires_at").Immutable().Comment("When the codes it holds expire.").Annotations(noFilter()),
		field.Time("downloaded_at").Optional().Nillable().Comment("When it was downloaded (it can be only once)."),
		field.String("downloaded_by").Optional().MaxLen(40).Comment("Id of the account that downloaded it.").
			Annotations(hidden()),
		field.String("issued_by").Optional().MaxLen(40).Immutable().Comment("Id of the account that provisioned.").
			Annotations(hidden()),
	}
}

func (ActivationSheet) Indexes() []ent.Index {
	return []ent.Index{index.Fields("unit_id", "id")}
}

func (ActivationSheet) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A unit's printable activation codes, sealed until downloaded once."),
		entgql.QueryField().Description("Activation sheets of the units in the viewer's scope (unit managers, supervisors, administrators)."),
		entgql.RelayConnection(),
	}
}
