package casework

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/events"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/receipt"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Calendar computes deadlines in working time (package workdays).
type Calendar interface {
	AddWorkingDays(from time.Time, n int) time.Time
	AddWorkingHours(from time.Time, h time.Duration) time.Time
	AddDays(from time.Time, n int) time.Time
	IsWorkingDay(t time.Time) bool
}

// days is a deadline of n calendar days; one that falls on a day off moves to the end of the
// next working day (Civil Code 2015, art. 148(5)).
func (s *Service) days(from time.Time, n int) time.Time {
	d := s.cal.AddDays(from, n)
	if !s.cal.IsWorkingDay(d) {
		d = s.cal.AddWorkingDays(d, 1)
	}
	return d
}

// Limits throttle what anonymous clients may do, per client address (in process, or shared by
// every process on one PostgreSQL database); nil: unlimited.
type Limits struct {
	Submit   ratelimit.Limit // anonymous submissions
	Tracking ratelimit.Limit // access by tracking code and secret (guessing)
}

// Service handles citizen cases.
type Service struct {
	client  *ent.Client
	box     *sealbox.Box
	cal     Calendar
	dur     workdays.Durations
	limits  Limits
	events  events.Broker
	log     *slog.Logger
	now     func() time.Time
	Uploads *Uploads
	// Receipts signs the receipts of what citizens send (nil: none are issued).
	Receipts *receipt.Keys
	notify   *notify.Service

	dialect string // the database's (dialect.Postgres, dialect.SQLite)
	group   group  // submissions waiting for a group commit

	knownUnits     sync.Map // unit id -> its province id: units seen to exist (unitProvince)
	knownUnitCount atomic.Int64
}

// Deps are what the service needs.
type Deps struct {
	Client    *ent.Client
	Box       *sealbox.Box
	Calendar  Calendar
	Durations workdays.Durations // validated by config
	Limits    Limits
	Events    events.Broker
	Logger    *slog.Logger
	Now       func() time.Time
	Uploads   *Uploads
	Receipts  *receipt.Keys   // signs citizens' receipts
	Notify    *notify.Service // enqueues what transitions tell (nil: nothing)
	Dialect   string          // the database's: the group commit's claim statement is written in it
}

// New returns the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{client: d.Client, box: d.Box, cal: d.Calendar, dur: d.Durations, limits: d.Limits,
		events: d.Events, log: d.Logger, now: d.Now, Uploads: d.Uploads, Receipts: d.Receipts, notify: d.Notify,
		dialect: d.Dialect}
}

// db is the client of the mutation's transaction when there is one (store.ClientFrom).
func (s *Service) db(ctx context.Context) *ent.Client { return store.ClientFrom(ctx, s.client) }

// trackingAlphabet has no 0/O, 1/I/L: codes are read over the phone and typed on small keyboards.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newTrackingCode returns 10 characters from trackingAlphabet (about 50 bits).
func newTrackingCode() string {
	b := make([]byte, 10)
	var r [10]byte
	_, _ = rand.Read(r[:])
	for i := range b {
		b[i] = trackingAlphabet[int(r[i])%len(trackingAlphabet)]
	}
	return string(b)
}

// newSecret returns a 128-bit secret, base32 without padding (26 characters).
func newSecret() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(secret))))
	return hex.EncodeToString(h[:])
}

// NormalizeTrackingCode accepts a code typed with spaces, dashes or in lower case.
func NormalizeTrackingCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// errNoTracked answers an unknown code and a wrong secret alike.
var errNoTracked = apperr.New(apperr.NotFound,
	"Không tìm thấy hồ sơ với mã theo dõi và mã bí mật này.",
	"No case matches this tracking code and secret.")

func rateLimited(wait time.Duration) error {
	return apperr.Throttled(wait, "Quá nhiều yêu cầu; vui lòng thử lại sau %d giây.", "Too many requests; try again in %d seconds.")
}

// Tracked returns the case of a tracking code and secret (throttled per client address; an
// unknown code and a wrong secret answer alike).
func (s *Service) Tracked(ctx context.Context, code, secret string) (*ent.CitizenCase, error) {
	return s.tracked(ctx, code, secret)
}

// tracked finds a case by tracking code and secret, throttled per client address; an unknown code
// and a wrong secret give the same answer in the same way.
func (s *Service) tracked(ctx context.Context, code, secret string) (*ent.CitizenCase, error) {
	if s.limits.Tracking != nil {
		if ok, wait, err := s.limits.Tracking.Allow(ctx, ratelimit.AddressKey(authz.ClientIP(ctx))); err != nil {
			return nil, err
		} else if !ok {
			return nil, rateLimited(wait)
		}
	}
	c, err := s.db(ctx).CitizenCase.Query().Where(citizencase.TrackingCode(NormalizeTrackingCode(code))).Only(authz.System(ctx, authz.SysTrackedCase))
	want := hashSecret(secret)
	if ent.IsNotFound(err) {
		return nil, errNoTracked
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.SecretHash)) != 1 {
		return nil, errNoTracked
	}
	return c, nil
}

// Identity is a reporter's identity as submitted.
type Identity struct {
	Name       string `json:"name"`
	Phone      string `json:"phone,omitempty"`
	NationalID string `json:"nationalId,omitempty"`
	Address    string `json:"address,omitempty"`
}

func (id *Identity) check() error {
	id.Name, id.Phone = strings.TrimSpace(id.Name), strings.TrimSpace(id.Phone)
	id.NationalID, id.Address = strings.TrimSpace(id.NationalID), strings.TrimSpace(id.Address)
	switch {
	case id.Name == "" || utf8.RuneCountInString(id.Name) > 200:
		return apperr.BadInput("Cần họ tên người gửi (tối đa 200 ký tự).", "The reporter's name is required (at most 200 characters).", "reporter", "name")
	case id.Phone == "" && id.Address == "":
		return apperr.BadInput("Cần số điện thoại hoặc địa chỉ để liên hệ.", "A phone number or an address is required.", "reporter", "phone")
	case id.Phone != "" && !phoneRe.MatchString(id.Phone):
		return apperr.BadInput("Số điện thoại không hợp lệ.", "The phone number is not valid.", "reporter", "phone")
	case id.NationalID != "" && !nationalIDRe.MatchString(id.NationalID):
		return apperr.BadInput("Số định danh cá nhân gồm 12 chữ số.", "The national ID number has 12 digits.", "reporter", "nationalId")
	}
	return nil
}

func (s *Service) seal(id Identity, caseID string) ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	return s.box.Seal(b, []byte(caseID))
}

// publish sends the event once the mutation's transaction commits (or now, outside one), so a
// subscriber never hears of a change that was rolled back.
func (s *Service) publish(ctx context.Context, c *ent.CitizenCase, unitID string, kind string, state enum.CaseState) {
	if s.events == nil {
		return
	}
	e := events.Event{Topic: "case", CaseID: c.ID, Kind: kind, State: string(state), At: s.now(), UnitID: unitID}
	send := func() {
		if err := s.events.Publish(context.WithoutCancel(ctx), e); err != nil && s.log != nil {
			s.log.ErrorContext(ctx, "publish case event", "case_id", c.ID, "error", err.Error())
		}
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		pubCtx := ctx
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil && !store.Undone(pubCtx) { // its mutation field was not rolled back
					send()
				}
				return err
			})
		})
		return
	}
	send()
}
