package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/internal/pid"
)

// Device is a phone or browser that receives push notifications (DESIGN.md §12): an account's,
// or a citizen's for one case (registered with its tracking code and secret, no account).
type Device struct{ ent.Schema }

func (Device) Mixin() []ent.Mixin { return base(pid.Device) }

func (Device) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("platform").Values("ANDROID", "IOS", "WEB").Comment("What the device is."),
		field.String("token").NotEmpty().MaxLen(4096).Sensitive().
			Comment("The push service's registration token of the app on the device."),
		field.Enum("locale").Values("vi", "en").Default("vi").Comment("The language of its notifications."),
		field.String("owner").NotEmpty().MaxLen(48).Immutable().
			Comment("Whose it is: the account's id, or the case's id for a citizen's device."),
		field.String("account_id").Optional().Nillable().Immutable().MaxLen(40).Comment("The account, when an account registered it."),
		field.String("case_id").Optional().Nillable().Immutable().MaxLen(40).Comment("The case, for a citizen's device."),
		field.Time("last_seen_at").Comment("When the device last registered."),
	}
}

func (Device) Indexes() []ent.Index {
	return []ent.Index{
		// A token once per owner: registering again updates the row.
		index.Fields("token", "owner").Unique(),
		index.Fields("account_id"),
		index.Fields("case_id"),
	}
}

func (Device) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A device that receives push notifications."), hidden()}
}

// Notification is one notice to one recipient: an item of an account's inbox, or a citizen's notice
// about their case (no inbox: pushed to the case's devices only). It keeps the kind and the ids its
// text and link are made from, never any text: titles and bodies come from templates in the reader's
// language, and say nothing that may not be shown on a lock screen.
type Notification struct{ ent.Schema }

func (Notification) Mixin() []ent.Mixin { return base(pid.Notification) }

func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").Optional().Nillable().Immutable().MaxLen(40).
			Comment("The account it is for (inbox and pushes).").Annotations(hidden()),
		field.String("case_id").Optional().Nillable().Immutable().MaxLen(40).
			Comment("For a citizen's notice: the case whose devices receive it.").Annotations(hidden()),
		field.String("kind").NotEmpty().MaxLen(40).Immutable().
			Comment("What happened, e.g. CASE_ACCEPTED, SELF_ASSESSMENT_RETURNED, PLEDGE_REMINDER.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("subject_id").Optional().MaxLen(40).Immutable().
			Comment("The node the notification is about (its deep link).").Annotations(hidden()),
		field.JSON("params", map[string]string{}).Optional().Immutable().
			Comment("What the templates fill in (dates, numbers; never names or citizen text).").Annotations(hidden()),
		field.String("dedupe_key").NotEmpty().MaxLen(200).Unique().Immutable().Sensitive().
			Comment("One notification per key: an enqueue repeated for the same cause adds nothing."),
		field.Time("read_at").Optional().Nillable().Comment("When the recipient marked it read.").Annotations(noFilter()),
		field.Time("pushed_at").Optional().Nillable().Comment("When it was sent to the recipient's devices.").Annotations(hidden()),
	}
}

func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		// An inbox page: the account's notifications by id (newest first or oldest first).
		index.Fields("account_id", "id"),
		index.Fields("case_id"),
		index.Fields("created_at"),
	}
}

func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A notification in an account's inbox, or a citizen's notice about their case."),
		entgql.RelayConnection(),
	}
}

// NotificationSetting is an account's notification preferences (DESIGN.md §12).
type NotificationSetting struct{ ent.Schema }

func (NotificationSetting) Mixin() []ent.Mixin { return base(pid.NotificationSetting) }

func (NotificationSetting) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").NotEmpty().MaxLen(40).Unique().Immutable().Comment("The account."),
		field.JSON("muted_kinds", []string{}).Optional().Comment("Kinds never pushed (they stay in the inbox)."),
		field.Bool("quiet_hours").Default(true).Comment("Whether pushes wait outside quiet hours."),
		field.Int("quiet_start").Default(21 * 60).Min(0).Max(24*60 - 1).Comment("Quiet hours start, minutes after midnight, Vietnam time."),
		field.Int("quiet_end").Default(7 * 60).Min(0).Max(24*60 - 1).Comment("Quiet hours end, minutes after midnight, Vietnam time."),
	}
}

func (NotificationSetting) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("An account's notification preferences."), hidden()}
}
