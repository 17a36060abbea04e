package casework

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/deadline"
)

// Tracked is the citizen's view of their case: its public status and timeline, the messages
// between them and the handler, the deadlines and the outcome; nothing about the handler, the
// internal events or anyone's identity.
type Tracked struct {
	TrackingCode     string
	Channel          enum.Channel
	RequestedChannel enum.Channel
	Category         *enum.Category
	State            enum.CaseState
	ReceivedAt       time.Time
	AcknowledgeDueAt *time.Time
	DueAt            *time.Time
	Overdue          bool
	Conclusion       *citizencase.Conclusion
	Rating           *int
	Timeline         []TrackedEvent
	Messages         []TrackedMessage
	Evidence         []TrackedEvidence
	caseID           string
}

// TrackedEvent is a public event of the timeline.
type TrackedEvent struct {
	Kind       caseevent.Kind
	State      enum.CaseState
	OccurredAt time.Time
	Note       string
}

// TrackedMessage is a message between the citizen and the handler.
type TrackedMessage struct {
	Direction casemessage.Direction
	Body      string
	SentAt    time.Time
}

// TrackedEvidence is an evidence file as the citizen sees it.
type TrackedEvidence struct {
	ContentType string
	Size        int64
	UploadedAt  time.Time
}

// Track returns the citizen's view of a case for its tracking code and secret, or nil: a wrong
// secret answers exactly like an unknown code, with nothing (throttling still answers RATE_LIMITED).
func (s *Service) Track(ctx context.Context, code, secret string) (*Tracked, error) {
	c, err := s.tracked(ctx, code, secret)
	if errors.Is(err, errNoTracked) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c)
}

func (s *Service) view(ctx context.Context, c *ent.CitizenCase) (*Tracked, error) {
	sys := authz.System(ctx)
	db := s.db(ctx)
	t := &Tracked{TrackingCode: c.TrackingCode, Channel: c.Channel, RequestedChannel: c.RequestedChannel,
		Category: c.Category, State: c.State, ReceivedAt: c.ReceivedAt, AcknowledgeDueAt: c.AcknowledgeDueAt,
		DueAt: c.DueAt, Overdue: s.Overdue(c), Conclusion: c.Conclusion, Rating: c.Rating, caseID: c.ID}
	evs, err := db.CaseEvent.Query().Where(caseevent.HasCaseWith(citizencase.ID(c.ID)), caseevent.Public(true)).
		Order(caseevent.ByOccurredAt()).All(sys)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		t.Timeline = append(t.Timeline, TrackedEvent{Kind: e.Kind, State: e.ToState, OccurredAt: e.OccurredAt, Note: e.Note})
	}
	msgs, err := db.CaseMessage.Query().Where(casemessage.HasCaseWith(citizencase.ID(c.ID)),
		casemessage.DirectionIn(casemessage.DirectionTO_REPORTER, casemessage.DirectionFROM_REPORTER)).
		Order(casemessage.BySentAt()).All(sys)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		t.Messages = append(t.Messages, TrackedMessage{Direction: m.Direction, Body: m.Body, SentAt: m.SentAt})
	}
	evd, err := db.Evidence.Query().Where(evidence.HasCaseWith(citizencase.ID(c.ID))).All(sys)
	if err != nil {
		return nil, err
	}
	for _, e := range evd {
		t.Evidence = append(t.Evidence, TrackedEvidence{ContentType: e.ContentType, Size: e.Size, UploadedAt: e.UploadedAt})
	}
	return t, nil
}

// Overdue reports whether an open case is past the deadline it is held to now (package deadline).
func (s *Service) Overdue(c *ent.CitizenCase) bool {
	return deadline.Overdue(c.State, c.AcknowledgeDueAt, c.DueAt, s.now())
}

// DueSoon reports whether an open case's deadline falls within the configured number of working
// days, before it is overdue (package deadline).
func (s *Service) DueSoon(c *ent.CitizenCase) bool {
	return deadline.DueSoon(s.cal, c.State, c.AcknowledgeDueAt, c.DueAt, s.now(), s.dur.DueSoonWorkingDays)
}

// citizenAct applies a citizen's action to the case of a tracking code and secret.
func (s *Service) citizenAct(ctx context.Context, code, secret string, a Action, note string,
	apply func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error) (*Tracked, error) {
	c, err := s.tracked(ctx, code, secret)
	if err != nil {
		return nil, err
	}
	to, kind, err := Next(c.State, a)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	gctx := authz.Grant(authz.System(ctx), string(a))
	u := tx.CitizenCase.Update().Where(citizencase.ID(c.ID), citizencase.StateEQ(c.State))
	if to != c.State {
		u.SetState(to)
	}
	if n, err := u.Save(gctx); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, errRace
	}
	if apply != nil {
		if err := apply(tx, c, gctx); err != nil {
			return nil, err
		}
	}
	from := c.State
	if err := tx.CaseEvent.Create().SetCaseID(c.ID).SetKind(kind).SetFromState(from).SetToState(to).
		SetActorKind(caseevent.ActorKindCITIZEN).SetNote(note).SetOccurredAt(s.now()).Exec(gctx); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: string(a), ObjectType: "Case", ObjectID: c.ID, Summary: "by the citizen"}); err != nil {
		return nil, err
	}
	c, err = tx.CitizenCase.Get(gctx, c.ID)
	if err != nil {
		return nil, err
	}
	unitID, _ := tx.CitizenCase.QueryUnit(c).OnlyID(authz.System(ctx))
	s.publish(ctx, c, unitID, string(kind), to)
	return s.view(ctx, c)
}

var errRace = apperr.New(apperr.Conflict, "Hồ sơ vừa được cập nhật; vui lòng tải lại.",
	"The case has just changed; please reload it.").ForUser()

// SendMessage adds the citizen's message to the case.
func (s *Service) SendMessage(ctx context.Context, code, secret, body string) (*Tracked, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 5000 {
		return nil, apperr.BadInput("Tin nhắn phải dài từ 1 đến 5.000 ký tự.", "A message must be 1 to 5,000 characters long.", "body")
	}
	return s.citizenAct(ctx, code, secret, Message, "", func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error {
		return tx.CaseMessage.Create().SetCaseID(c.ID).SetDirection(casemessage.DirectionFROM_REPORTER).
			SetBody(body).SetSentAt(s.now()).Exec(ctx)
	})
}

// Withdraw withdraws the case before its conclusion.
func (s *Service) Withdraw(ctx context.Context, code, secret, reason string) (*Tracked, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, apperr.BadInput("Lý do dài quá 2.000 ký tự.", "The reason is longer than 2,000 characters.", "reason")
	}
	return s.citizenAct(ctx, code, secret, Withdraw, reason, nil)
}

// Rate records the citizen's rating (1 to 5) of a closed case, once.
func (s *Service) Rate(ctx context.Context, code, secret string, rating int) (*Tracked, error) {
	if rating < 1 || rating > 5 {
		return nil, apperr.BadInput("Đánh giá từ 1 đến 5 sao.", "The rating is 1 to 5.", "rating")
	}
	return s.citizenAct(ctx, code, secret, Rate, "", func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error {
		n, err := tx.CitizenCase.Update().Where(citizencase.ID(c.ID), citizencase.RatingIsNil()).SetRating(rating).Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.New(apperr.Conflict, "Bạn đã đánh giá hồ sơ này.", "You have already rated this case.").OnField("rating")
		}
		return nil
	})
}

// AddEvidence attaches an uploaded file to the case of a tracking code and secret.
func (s *Service) AddEvidence(ctx context.Context, code, secret, uploadID string) (*Tracked, error) {
	return s.citizenAct(ctx, code, secret, AddEvidence, "", func(tx *ent.Client, c *ent.CitizenCase, gctx context.Context) error {
		return s.attachUploads(gctx, tx, c.ID, uploadOwner(ctx), []string{uploadID})
	})
}
