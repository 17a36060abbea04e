package casework

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/contrib/entgql"

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
	"github.com/liemchinh/liemchinh/internal/receipt"
)

// Tracked is the citizen's view of their case: its public status and timeline, the messages
// between them and the handler, the deadlines and the outcome; nothing about the handler, the
// internal events or anyone's identity. The timeline and the messages are read when asked for
// (TrackedTimeline, TrackedMessages and their pages).
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
	Evidence         []TrackedEvidence
	caseID           string
	// listed marks a case from myCases, read with a citizen's token alone: its timeline and
	// messages (free text) still take the tracking code and secret (DESIGN.md §5).
	listed bool
}

// errListed refuses the timeline and messages of a case listed by myCases.
var errListed = apperr.New(apperr.Forbidden,
	"Để xem diễn biến và tin nhắn của hồ sơ, hãy mở hồ sơ bằng mã theo dõi và mã bí mật.",
	"To read a case's timeline and messages, open it with its tracking code and secret.")

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

// TrackedEvidence is an evidence file as the citizen sees it. ID is the evidence's opaque id: the
// citizen downloads the file from GET /evidence/{id} with their tracking code and secret.
type TrackedEvidence struct {
	ID          string
	ContentType string // as stored (a HEIC photo is stored as JPEG)
	Sanitized   bool
	Size        int64
	UploadedAt  time.Time
}

// TrackedEventConnection is a page of the public timeline.
type TrackedEventConnection struct {
	Edges      []TrackedEventEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

// TrackedEventEdge is an event of a page and its cursor.
type TrackedEventEdge struct {
	Node   TrackedEvent
	Cursor ent.Cursor
}

// TrackedMessageConnection is a page of the messages.
type TrackedMessageConnection struct {
	Edges      []TrackedMessageEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

// TrackedMessageEdge is a message of a page and its cursor.
type TrackedMessageEdge struct {
	Node   TrackedMessage
	Cursor ent.Cursor
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
	t := &Tracked{TrackingCode: c.TrackingCode, Channel: c.Channel, RequestedChannel: c.RequestedChannel,
		Category: c.Category, State: c.State, ReceivedAt: c.ReceivedAt, AcknowledgeDueAt: c.AcknowledgeDueAt,
		DueAt: c.DueAt, Overdue: s.Overdue(c), Conclusion: c.Conclusion, Rating: c.Rating, caseID: c.ID}
	evd := c.Edges.Evidence // known already when the case was just submitted (non-nil, maybe empty)
	if evd == nil {
		var err error
		evd, err = s.db(ctx).Evidence.Query().Where(evidence.HasCaseWith(citizencase.ID(c.ID))).
			Order(evidence.ByUploadedAt(), evidence.ByID()).All(authz.System(ctx, authz.SysTrackedCase))
		if err != nil {
			return nil, err
		}
	} else {
		evd = slices.Clone(evd)
		slices.SortFunc(evd, func(a, b *ent.Evidence) int {
			return cmp.Or(a.UploadedAt.Compare(b.UploadedAt), cmp.Compare(a.ID, b.ID))
		})
	}
	for _, e := range evd {
		t.Evidence = append(t.Evidence, TrackedEvidence{ID: e.ID, ContentType: e.ContentType, Sanitized: e.Sanitized,
			Size: e.Size, UploadedAt: e.UploadedAt})
	}
	return t, nil
}

// A Tracked comes from Track or a citizen's action, which checked the code and secret, or from
// myCases, which did not (listed): the functions below read its case with the system's rights
// only for the former.

func (s *Service) trackedEvents(ctx context.Context, t *Tracked) *ent.CaseEventQuery {
	return s.db(ctx).CaseEvent.Query().Where(caseevent.HasCaseWith(citizencase.ID(t.caseID)), caseevent.Public(true))
}

func (s *Service) trackedMessages(ctx context.Context, t *Tracked) *ent.CaseMessageQuery {
	return s.db(ctx).CaseMessage.Query().Where(casemessage.HasCaseWith(citizencase.ID(t.caseID)),
		casemessage.DirectionIn(casemessage.DirectionTO_REPORTER, casemessage.DirectionFROM_REPORTER))
}

func trackedEvent(e *ent.CaseEvent) TrackedEvent {
	return TrackedEvent{Kind: e.Kind, State: e.ToState, OccurredAt: e.OccurredAt, Note: e.Note}
}

func trackedMessage(m *ent.CaseMessage) TrackedMessage {
	return TrackedMessage{Direction: m.Direction, Body: m.Body, SentAt: m.SentAt}
}

// TrackedTimeline is the whole public timeline, oldest first (the deprecated list field).
func (s *Service) TrackedTimeline(ctx context.Context, t *Tracked) ([]*TrackedEvent, error) {
	if t.listed {
		return nil, errListed
	}
	evs, err := s.trackedEvents(ctx, t).Order(caseevent.ByID()).All(authz.System(ctx, authz.SysTrackedCase))
	if err != nil {
		return nil, err
	}
	out := make([]*TrackedEvent, 0, len(evs))
	for _, e := range evs {
		te := trackedEvent(e)
		out = append(out, &te)
	}
	return out, nil
}

// TrackedMessages are all the messages, oldest first (the deprecated list field).
func (s *Service) TrackedMessages(ctx context.Context, t *Tracked) ([]*TrackedMessage, error) {
	if t.listed {
		return nil, errListed
	}
	msgs, err := s.trackedMessages(ctx, t).Order(casemessage.ByID()).All(authz.System(ctx, authz.SysTrackedCase))
	if err != nil {
		return nil, err
	}
	out := make([]*TrackedMessage, 0, len(msgs))
	for _, m := range msgs {
		tm := trackedMessage(m)
		out = append(out, &tm)
	}
	return out, nil
}

// TrackedTimelinePage is a page of the public timeline, oldest first; the page size is bounded
// as every connection's (the server's page-size rule). Pages go by id: a ULID of the time the
// row was written (pid), so id order is the order of events, and the cursor is the id alone. A
// cursor holding a time would compare as text on SQLite, which keeps each time's own offset.
func (s *Service) TrackedTimelinePage(ctx context.Context, t *Tracked, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*TrackedEventConnection, error) {
	if t.listed {
		return nil, errListed
	}
	conn, err := s.trackedEvents(ctx, t).Paginate(authz.System(ctx, authz.SysTrackedCase), after, first, before, last)
	if err != nil {
		return nil, err
	}
	out := &TrackedEventConnection{PageInfo: conn.PageInfo, TotalCount: conn.TotalCount, Edges: make([]TrackedEventEdge, 0, len(conn.Edges))}
	for _, e := range conn.Edges {
		out.Edges = append(out.Edges, TrackedEventEdge{Node: trackedEvent(e.Node), Cursor: e.Cursor})
	}
	return out, nil
}

// TrackedMessagesPage is a page of the messages, oldest first (by id, as TrackedTimelinePage).
func (s *Service) TrackedMessagesPage(ctx context.Context, t *Tracked, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*TrackedMessageConnection, error) {
	if t.listed {
		return nil, errListed
	}
	conn, err := s.trackedMessages(ctx, t).Paginate(authz.System(ctx, authz.SysTrackedCase), after, first, before, last)
	if err != nil {
		return nil, err
	}
	out := &TrackedMessageConnection{PageInfo: conn.PageInfo, TotalCount: conn.TotalCount, Edges: make([]TrackedMessageEdge, 0, len(conn.Edges))}
	for _, m := range conn.Edges {
		out.Edges = append(out.Edges, TrackedMessageEdge{Node: trackedMessage(m.Node), Cursor: m.Cursor})
	}
	return out, nil
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

// acted is the outcome of a citizen's action: their view, and the case and its unit for a receipt.
type acted struct {
	view   *Tracked
	c      *ent.CitizenCase
	unitID string
}

// citizenAct applies a citizen's action to the case of a tracking code and secret.
func (s *Service) citizenAct(ctx context.Context, code, secret string, a Action, note string,
	apply func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error) (*acted, error) {
	c, err := s.tracked(ctx, code, secret)
	if err != nil {
		return nil, err
	}
	to, kind, err := Next(c.State, a)
	if err != nil {
		return nil, err
	}
	tx := s.db(ctx)
	gctx := authz.Grant(ctx, string(a), a.writes()...)
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
	c, err = tx.CitizenCase.Get(authz.System(ctx, authz.SysTrackedCase), c.ID)
	if err != nil {
		return nil, err
	}
	unitID, _ := tx.CitizenCase.QueryUnit(c).OnlyID(ctx)
	s.publish(ctx, c, unitID, string(kind), to)
	t, err := s.view(ctx, c)
	if err != nil {
		return nil, err
	}
	return &acted{view: t, c: c, unitID: unitID}, nil
}

func (a *acted) tracked(err error) (*Tracked, error) {
	if err != nil {
		return nil, err
	}
	return a.view, nil
}

var errRace = apperr.New(apperr.Conflict, "Hồ sơ vừa được cập nhật; vui lòng tải lại.",
	"The case has just changed; please reload it.").ForUser()

// SendMessage adds the citizen's message to the case, and returns its receipt (its text's SHA-256).
func (s *Service) SendMessage(ctx context.Context, code, secret, body string) (*Tracked, string, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 5000 {
		return nil, "", apperr.BadInput("Tin nhắn phải dài từ 1 đến 5.000 ký tự.", "A message must be 1 to 5,000 characters long.", "body")
	}
	at := s.now()
	a, err := s.citizenAct(ctx, code, secret, Message, "", func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error {
		return tx.CaseMessage.Create().SetCaseID(c.ID).SetDirection(casemessage.DirectionFROM_REPORTER).
			SetBody(body).SetSentAt(at).Exec(ctx)
	})
	if err != nil {
		return nil, "", err
	}
	r, err := s.sign(receipt.KindMessage, a.c.TrackingCode, a.c.Channel, a.unitID, at, receipt.TextDigest(body))
	if err != nil {
		return nil, "", err
	}
	return a.view, r, nil
}

// Withdraw withdraws the case before its conclusion.
func (s *Service) Withdraw(ctx context.Context, code, secret, reason string) (*Tracked, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, apperr.BadInput("Lý do dài quá 2.000 ký tự.", "The reason is longer than 2,000 characters.", "reason")
	}
	a, err := s.citizenAct(ctx, code, secret, Withdraw, reason, nil)
	return a.tracked(err)
}

// Rate records the citizen's rating (1 to 5) of a closed case, once.
func (s *Service) Rate(ctx context.Context, code, secret string, rating int) (*Tracked, error) {
	if rating < 1 || rating > 5 {
		return nil, apperr.BadInput("Đánh giá từ 1 đến 5 sao.", "The rating is 1 to 5.", "rating")
	}
	a, err := s.citizenAct(ctx, code, secret, Rate, "", func(tx *ent.Client, c *ent.CitizenCase, ctx context.Context) error {
		n, err := tx.CitizenCase.Update().Where(citizencase.ID(c.ID), citizencase.RatingIsNil()).SetRating(rating).Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.New(apperr.Conflict, "Bạn đã đánh giá hồ sơ này.", "You have already rated this case.").OnField("rating")
		}
		return nil
	})
	return a.tracked(err)
}

// AddEvidence attaches an uploaded file to the case of a tracking code and secret, and returns its
// receipt (the file's SHA-256).
func (s *Service) AddEvidence(ctx context.Context, code, secret, uploadID string) (*Tracked, string, error) {
	at := s.now()
	var evd []*ent.Evidence
	a, err := s.citizenAct(ctx, code, secret, AddEvidence, "", func(tx *ent.Client, c *ent.CitizenCase, gctx context.Context) error {
		var err error
		evd, err = s.attachUploads(gctx, tx, c.ID, uploadOwner(ctx), []string{uploadID}, at)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	r, err := s.sign(receipt.KindEvidence, a.c.TrackingCode, a.c.Channel, a.unitID, at, evd[0].Sha256)
	if err != nil {
		return nil, "", err
	}
	return a.view, r, nil
}

// TrackedCaseConnection is a page of a signed-in citizen's own cases.
type TrackedCaseConnection struct {
	Edges      []TrackedCaseEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

// TrackedCaseEdge is a case of a page and its cursor.
type TrackedCaseEdge struct {
	Node   *Tracked
	Cursor ent.Cursor
}

// MyCases is a page of the identified cases of the citizen signed in with OpenID Connect, newest
// first, as each case's tracking code and secret would show it (authz.OwnCases: only a citizen's
// token, only the cases linked to their identity, never an anonymous one). Their evidence is read
// with the page, in one query.
func (s *Service) MyCases(ctx context.Context, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*TrackedCaseConnection, error) {
	sctx, own, err := authz.OwnCases(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := s.db(ctx).CitizenCase.Query().Where(own).WithEvidence().
		Paginate(sctx, after, first, before, last, ent.WithCaseOrder(&ent.CaseOrder{
			Direction: entgql.OrderDirectionDesc, Field: ent.DefaultCaseOrder.Field}))
	if err != nil {
		return nil, err
	}
	out := &TrackedCaseConnection{PageInfo: conn.PageInfo, TotalCount: conn.TotalCount, Edges: make([]TrackedCaseEdge, 0, len(conn.Edges))}
	for _, e := range conn.Edges {
		t, err := s.view(sctx, e.Node)
		if err != nil {
			return nil, err
		}
		t.listed = true
		out.Edges = append(out.Edges, TrackedCaseEdge{Node: t, Cursor: e.Cursor})
	}
	return out, nil
}
