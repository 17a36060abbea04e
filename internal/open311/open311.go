// Package open311 owns open data (DESIGN.md §13): it publishes citizen feedback and praise as
// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in JSON and XML, lets partner apps
// holding an administrator-issued api_key submit anonymous feedback through it, and serves the
// open figures (figures.go). What may be published is
// decided in internal/authz (PublishedCases, PublishCase); this package formats it, caches it
// and limits who asks how often.
package open311

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Service answers GeoReport v2.
type Service struct {
	client  *ent.Client
	sql     *sql.DB // the open figures' aggregates
	reader  func(context.Context) *sql.DB
	dialect string
	prog    *progress.Service
	cases   *casework.Service
	ids     cipher.Block
	now     func() time.Time
	log     *slog.Logger
	cache   *cache
	read    ratelimit.Limit // GET requests per client address
	post    ratelimit.Limit // POST requests per client address, before the api_key is looked up
	submit  ratelimit.Limit // POST requests per api_key
}

// Deps are what the service needs.
type Deps struct {
	Client *ent.Client
	// SQL and Dialect are the database the open figures aggregate in; Progress gives the
	// provinces' figures.
	SQL *sql.DB
	// Reader, when set, picks the pool of a read (the standby's for a lag-tolerant one) in place
	// of SQL.
	Reader   func(context.Context) *sql.DB
	Dialect  string
	Progress *progress.Service
	Cases    *casework.Service
	// IDKey is the secret the public request ids are derived from (a server key; see PublicID).
	IDKey  []byte
	Now    func() time.Time
	Logger *slog.Logger
	// The limits (nil: unlimited) are the server's (internal/server): on PostgreSQL shared by every
	// process on the database. ReadRate limits GET requests per client address.
	ReadRate ratelimit.Limit
	// PostRate limits POST requests per client address, checked before the api_key is looked up
	// so that a flood without a valid key costs no lookup.
	PostRate ratelimit.Limit
	// SubmitRate limits each partner app's submissions (their users share the app's address).
	SubmitRate ratelimit.Limit
	// CacheTTL is how long an answer of a GET is kept and may be cached by clients.
	CacheTTL time.Duration
}

// New returns the service.
func New(d Deps) (*Service, error) {
	key, err := hkdf.Key(sha256.New, d.IDKey, nil, "liemchinh open311 public request id", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.CacheTTL <= 0 {
		d.CacheTTL = time.Minute
	}
	return &Service{client: d.Client, sql: d.SQL, reader: d.Reader, dialect: d.Dialect, prog: d.Progress, cases: d.Cases, ids: block, now: d.Now, log: d.Logger,
		cache: newCache(d.CacheTTL, 2000), read: d.ReadRate, post: d.PostRate, submit: d.SubmitRate}, nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// PublicID is a case's public request id: its ULID encrypted under a key of the server (one AES
// block), so it is stable, unguessable, and says nothing of the tracking code or the case's
// internal id (nor of the order cases were received in), while the server reads it back.
func (s *Service) PublicID(caseID string) string {
	_, rest, _ := strings.Cut(caseID, "_")
	u, err := ulid.ParseStrict(strings.ToUpper(rest))
	if err != nil {
		return ""
	}
	var out [16]byte
	s.ids.Encrypt(out[:], u[:])
	return idEncoding.EncodeToString(out[:])
}

// caseID reads a public request id back, or "".
func (s *Service) caseID(public string) string {
	b, err := idEncoding.DecodeString(strings.ToLower(strings.TrimSpace(public)))
	if err != nil || len(b) != 16 {
		return ""
	}
	var u ulid.ULID
	s.ids.Decrypt(u[:], b)
	return pid.Case + "_" + strings.ToLower(u.String())
}

// A Service of GeoReport v2 is a channel and category: the categories of feedback, and praise.
type service struct {
	Code     string
	Channel  enum.Channel
	Category *enum.Category
	NameVI   string
	NameEN   string
}

func category(c enum.Category) *enum.Category { return &c }

// services are the GeoReport services, in a stable order.
var services = []service{
	{"FEEDBACK-NO_ARROGANCE", enum.ChannelFeedback, category(enum.CategoryNoArrogance), "Phản ánh: hách dịch, cửa quyền, gây khó khăn, nhũng nhiễu", "Feedback: arrogance, causing difficulty or harassment"},
	{"FEEDBACK-NO_BUREAUCRACY", enum.ChannelFeedback, category(enum.CategoryNoBureaucracy), "Phản ánh: quan liêu, thờ ơ, vô cảm, thiếu trách nhiệm", "Feedback: bureaucracy, indifference, irresponsibility"},
	{"FEEDBACK-NO_CORRUPTION", enum.ChannelFeedback, category(enum.CategoryNoCorruption), "Phản ánh: tham nhũng, lãng phí, lợi ích nhóm", "Feedback: corruption, waste, group interests"},
	{"FEEDBACK-NO_FLATTERY", enum.ChannelFeedback, category(enum.CategoryNoFlattery), "Phản ánh: xu nịnh, chạy chọt, thiếu trung thực", "Feedback: flattery, string-pulling, dishonesty"},
	{"FEEDBACK-NO_ABUSE_OF_POWER", enum.ChannelFeedback, category(enum.CategoryNoAbuseOfPower), "Phản ánh: lợi dụng chức vụ, quyền hạn", "Feedback: abuse of position and power"},
	{"FEEDBACK-OTHER", enum.ChannelFeedback, category(enum.CategoryOther), "Phản ánh, kiến nghị khác", "Other feedback"},
	{"PRAISE", enum.ChannelPraise, nil, "Khen ngợi cán bộ, đơn vị", "Praise of an official or unit"},
}

func serviceByCode(code string) (service, bool) {
	for _, s := range services {
		if s.Code == code {
			return s, true
		}
	}
	return service{}, false
}

func serviceOf(ch enum.Channel, cat *enum.Category) service {
	for _, s := range services {
		if s.Channel == ch && (s.Category == nil) == (cat == nil) && (cat == nil || *s.Category == *cat) {
			return s
		}
	}
	return service{Code: string(ch)}
}

func (sv service) predicate() predicate.CitizenCase {
	if sv.Category == nil {
		return citizencase.ChannelEQ(sv.Channel)
	}
	return citizencase.And(citizencase.ChannelEQ(sv.Channel), citizencase.CategoryEQ(*sv.Category))
}

// Filter is the standard filters of GET requests.
type Filter struct {
	IDs      []string // public request ids: the other filters are then ignored (GeoReport v2)
	Services []string
	Start    *time.Time
	End      *time.Time
	Status   []string // open, closed
	Page     int      // from 1
	PageSize int
}

// Request is a published request.
type Request struct {
	authz.OpenCase
	PublicID string
	Service  service
	Agency   string // the unit's name
}

// MaxPageSize bounds page_size; DefaultPageSize is its default. Without start_date and end_date,
// the last DefaultDays days are listed (GeoReport v2's default of 90).
const (
	MaxPageSize     = 200
	DefaultPageSize = 50
	DefaultDays     = 90
)

var (
	openStates   = []enum.CaseState{enum.CaseSubmitted, enum.CaseAccepted, enum.CaseVerifying, enum.CaseTransferred, enum.CaseConcluded}
	closedStates = []enum.CaseState{enum.CaseClosed, enum.CaseRejected}
)

// Requests lists the published requests the filter selects, newest first.
func (s *Service) Requests(ctx context.Context, f Filter) ([]Request, error) {
	now := s.now()
	ctx = authz.System(ctx, authz.SysOpenData)
	q := s.client.CitizenCase.Query().Where(authz.PublishedCases(now))
	if len(f.IDs) > 0 {
		ids := make([]string, 0, len(f.IDs))
		for _, p := range f.IDs {
			if id := s.caseID(p); id != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return nil, nil
		}
		q.Where(citizencase.IDIn(ids...))
	} else {
		if len(f.Services) > 0 {
			var ps []predicate.CitizenCase
			for _, code := range f.Services {
				sv, _ := serviceByCode(code) // checked by the handler
				ps = append(ps, sv.predicate())
			}
			q.Where(citizencase.Or(ps...))
		}
		if f.Start == nil && f.End == nil {
			from := now.AddDate(0, 0, -DefaultDays)
			f.Start = &from
		}
		if f.Start != nil {
			q.Where(citizencase.ReceivedAtGTE(f.Start.UTC()))
		}
		if f.End != nil {
			q.Where(citizencase.ReceivedAtLTE(f.End.UTC()))
		}
		if len(f.Status) == 1 {
			if f.Status[0] == "open" {
				q.Where(citizencase.StateIn(openStates...))
			} else {
				q.Where(citizencase.StateIn(closedStates...))
			}
		}
	}
	size := f.PageSize
	if size <= 0 {
		size = DefaultPageSize
		if len(f.IDs) > size { // asked for by id (at most MaxPageSize): all of them, not a first page
			size = len(f.IDs)
		}
	}
	page := max(f.Page, 1)
	cs, err := q.Order(ent.Desc(citizencase.FieldReceivedAt), ent.Desc(citizencase.FieldID)).
		Offset((page - 1) * size).Limit(size).
		WithUnit(func(uq *ent.UnitQuery) { uq.Select(unit.FieldID, unit.FieldName) }).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Request, len(cs))
	for i, c := range cs {
		o := authz.PublishCase(c, c.Edges.Unit.ID)
		out[i] = Request{OpenCase: o, PublicID: s.PublicID(c.ID), Service: serviceOf(o.Channel, o.Category), Agency: c.Edges.Unit.Name}
	}
	return out, nil
}

// Request returns one published request by its public id, or nil.
func (s *Service) Request(ctx context.Context, publicID string) (*Request, error) {
	if s.caseID(publicID) == "" {
		return nil, nil
	}
	rs, err := s.Requests(ctx, Filter{IDs: []string{publicID}, PageSize: 1})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// vietnamTime writes a time as GeoReport v2 wants it (W3C, ISO 8601), in Vietnam time.
func vietnamTime(t time.Time) string { return t.In(workdays.Vietnam).Format(time.RFC3339) }

var errNoKey = errors.New("no such api_key")
