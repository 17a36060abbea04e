package casework

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
	"github.com/liemchinh/liemchinh/internal/receipt"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

var (
	phoneRe      = regexp.MustCompile(`^(\+84|0)[0-9]{9,10}$`)
	nationalIDRe = regexp.MustCompile(`^[0-9]{12}$`)
)

// Submission is what a citizen submits.
type Submission struct {
	Channel      enum.Channel   `json:"channel"`
	UnitID       string         `json:"unitId"`
	OfficialID   string         `json:"officialId,omitempty"`
	Category     *enum.Category `json:"category,omitempty"`
	Description  string         `json:"description"`
	IncidentDate *time.Time     `json:"incidentDate,omitempty"`
	Place        string         `json:"place,omitempty"`
	Reporter     *Identity      `json:"reporter,omitempty"`
	UploadIDs    []string       `json:"uploadIds,omitempty"`

	province string // the unit's province, found by the checks
}

// Receipt is what the citizen gets back: the tracking code and the secret (shown once; a retry
// with the same idempotency key shows them again).
type Receipt struct {
	Case         *ent.CitizenCase
	TrackingCode string
	Secret       string
	// Signed is the signed receipt (package receipt) of what was received; "" without keys.
	Signed string
	// Notice explains a change the law requires, e.g. an anonymous denunciation handled as feedback.
	NoticeVI, NoticeEN string
}

// Notice returns the notice in the reader's language.
func (r *Receipt) Notice(ctx context.Context) *string {
	if r.NoticeVI == "" {
		return nil
	}
	if apperr.Lang(ctx) == "en" {
		return &r.NoticeEN
	}
	return &r.NoticeVI
}

const (
	anonymousNoticeVI = "Tố cáo nặc danh không phải là tố cáo theo Luật Tố cáo 2018 (Điều 25): nội dung của bạn được tiếp nhận và xử lý như phản ánh, kiến nghị."
	anonymousNoticeEN = "An anonymous denunciation is not a denunciation under the Law on Denunciations 2018 (art. 25): it is received and handled as feedback."
)

func (s *Service) checkSubmission(ctx context.Context, in *Submission) error {
	in.Description, in.Place = strings.TrimSpace(in.Description), strings.TrimSpace(in.Place)
	switch in.Channel {
	case enum.ChannelFeedback, enum.ChannelDenunciation, enum.ChannelPraise:
	default:
		return apperr.BadInput("Kênh không hợp lệ.", "Unknown channel.", "channel")
	}
	if n := utf8.RuneCountInString(in.Description); n < 10 || n > 10000 {
		return apperr.BadInput("Nội dung phải dài từ 10 đến 10.000 ký tự.", "The description must be 10 to 10,000 characters long.", "description")
	}
	if utf8.RuneCountInString(in.Place) > 500 {
		return apperr.BadInput("Địa điểm dài quá 500 ký tự.", "The place is longer than 500 characters.", "place")
	}
	if in.Channel == enum.ChannelPraise {
		if in.Category != nil {
			return apperr.BadInput("Khen ngợi không có loại vi phạm.", "Praise has no category.", "category")
		}
	} else if in.Category == nil {
		return apperr.BadInput("Cần chọn loại hành vi.", "A category is required.", "category")
	}
	if in.IncidentDate != nil && in.IncidentDate.After(s.now()) {
		return apperr.BadInput("Ngày xảy ra không thể ở tương lai.", "The incident date cannot be in the future.", "incidentDate")
	}
	if province, ok, err := s.unitProvince(ctx, in.UnitID); err != nil {
		return err
	} else if !ok {
		return apperr.BadInput("Không tìm thấy đơn vị.", "No such unit.", "unitId")
	} else {
		in.province = province
	}
	if in.OfficialID != "" {
		off, err := s.db(ctx).Official.Query().Where(officialID(in.OfficialID)).WithUnit().Only(authz.System(ctx, authz.SysNamedOfficial))
		if ent.IsNotFound(err) {
			return apperr.BadInput("Không tìm thấy cán bộ.", "No such official.", "officialId")
		} else if err != nil {
			return err
		}
		if off.Edges.Unit.ID != in.UnitID {
			return apperr.BadInput("Cán bộ không công tác tại đơn vị đã chọn.", "The official does not work in the chosen unit.", "officialId")
		}
	}
	if in.Reporter != nil {
		if err := in.Reporter.check(); err != nil {
			return err
		}
	}
	if len(in.UploadIDs) > 10 {
		return apperr.BadInput("Tối đa 10 tệp chứng cứ.", "At most 10 evidence files.", "uploadIds")
	}
	return nil
}

// maxKnownUnits bounds the units remembered (the national seed has about 100,000).
const maxKnownUnits = 250_000

// unitProvince reports whether a unit exists and its province, remembering the units that do:
// units are closed, never deleted, so a unit once seen stays (and the case's foreign key would
// refuse one that did not), and none moves to another province (an operation that moved one
// would have to forget it here and restamp its cases). An unknown id is asked of the database
// each time.
func (s *Service) unitProvince(ctx context.Context, id string) (string, bool, error) {
	if p, ok := s.knownUnits.Load(id); ok {
		return p.(string), true, nil
	}
	u, err := s.db(ctx).Unit.Query().Where(unit.ID(id)).Select(unit.FieldProvinceID).Only(ctx)
	if ent.IsNotFound(err) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	province := u.ProvinceID
	if s.knownUnitCount.Load() < maxKnownUnits {
		if _, had := s.knownUnits.LoadOrStore(id, province); !had {
			s.knownUnitCount.Add(1)
		}
	}
	return province, true, nil
}

// Submit receives a citizen's case: no account needed. An anonymous denunciation is handled as
// feedback, and the receipt says why. In the transaction ctx carries (a mutation's), or, for a
// request the GraphQL layer left without one (Grouped: an operation of one caseSubmit without
// files), written with the submissions that arrive with it in one transaction (group commit).
func (s *Service) Submit(ctx context.Context, in Submission, key string) (*Receipt, error) {
	p, err := s.prepare(ctx, in, key)
	if err != nil {
		return nil, err
	}
	if grouped(ctx) && ent.TxFromContext(ctx) == nil {
		if p.early {
			return s.group.submit(s, p)
		}
		return s.submitAlone(p)
	}
	return s.write(ctx, s.db(ctx), p)
}

// prepared is a submission checked, with everything chosen before it is written: its case's id,
// tracking code, secret (sealed for retries), idempotency request and, without files, its
// signed receipt.
type prepared struct {
	ctx          context.Context // the request's
	in           Submission
	key          string
	id           string
	r            *Receipt
	req          *idempotency.Request
	box          *sealbox.Box
	sealedSecret []byte
	reporter     []byte // the reporter's identity sealed, when given
	now          time.Time
	channel      enum.Channel
	early        bool // no files: the receipt is signed before the claim

	// what the group's writer answers
	out  *Receipt
	err  error
	done chan struct{}
}

// prepare checks a submission and chooses what its writing needs.
func (s *Service) prepare(ctx context.Context, in Submission, key string) (*prepared, error) {
	v := authz.FromContext(ctx)
	if v.MustChangePassword {
		// Refused whichever way it would be written (a group's writes carry no viewer).
		return nil, authz.ErrPasswordChangeRequired
	}
	if v.Anonymous() && s.limits.Submit != nil && !ratelimit.IsExempt(ctx) {
		if ok, wait, err := s.limits.Submit.Allow(ctx, ratelimit.AddressKey(authz.ClientIP(ctx))); err != nil {
			return nil, err
		} else if !ok {
			return nil, rateLimited(wait)
		}
	}
	if err := s.checkSubmission(ctx, &in); err != nil {
		return nil, err
	}
	// The case's id, tracking code and secret are chosen first, so the idempotency claim records
	// its result in the one INSERT that claims the key: a retry finds them, and no update follows.
	p := &prepared{ctx: ctx, in: in, key: key, id: pid.New(pid.Case),
		r: &Receipt{TrackingCode: newTrackingCode(), Secret: newSecret()}}
	var err error
	if v.Anonymous() {
		// Anonymous retries are told apart by the key alone, which also seals the kept secret.
		p.req, err = idempotency.NewAnonymousRequest("caseSubmit", key, in)
	} else {
		p.req, err = idempotency.NewRequest("citizen:"+v.AccountID, "caseSubmit", key, in)
	}
	if err != nil {
		return nil, err
	}
	p.box = s.box
	if p.req.Box != nil {
		p.box = p.req.Box
	}
	if p.sealedSecret, err = p.box.Seal([]byte(p.r.Secret), []byte("caseSubmit:"+p.id)); err != nil {
		return nil, err
	}
	if in.Reporter != nil {
		if p.reporter, err = s.seal(*in.Reporter, p.id); err != nil {
			return nil, err
		}
	}
	p.now = s.now()
	p.channel = in.Channel
	if in.Reporter == nil && p.channel == enum.ChannelDenunciation {
		p.channel = enum.ChannelFeedback
		p.r.NoticeVI, p.r.NoticeEN = anonymousNoticeVI, anonymousNoticeEN
	}
	// Without files, everything the receipt attests is known now: it is signed before the claim
	// and kept with it (no UPDATE afterwards). Files are read when attached, so their receipt is
	// signed, and kept, after.
	p.early = len(in.UploadIDs) == 0
	if p.early {
		if p.r.Signed, err = s.sign(receipt.KindCase, p.r.TrackingCode, p.channel, in.UnitID, p.now,
			receipt.ContentDigest(in.Description, nil)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// result is what the idempotency claim records for a retry.
func (p *prepared) result() idempotency.Result {
	return idempotency.Result{ID: p.id, Sealed: p.sealedSecret, Receipt: p.r.Signed}
}

// caseCreate is the case's row.
func (s *Service) caseCreate(tx *ent.Client, p *prepared) *ent.CitizenCaseCreate {
	in := p.in
	c := tx.CitizenCase.Create().SetID(p.id).SetTrackingCode(p.r.TrackingCode).SetSecretHash(hashSecret(p.r.Secret)).
		SetChannel(p.channel).SetRequestedChannel(in.Channel).SetNillableCategory(in.Category).
		SetDescription(in.Description).SetNillableIncidentDate(in.IncidentDate).SetAnonymous(in.Reporter == nil).
		SetReceivedAt(p.now).SetUnitID(in.UnitID).SetScopeProvinceID(in.province)
	if in.Place != "" {
		c.SetPlace(in.Place)
	}
	if in.OfficialID != "" {
		c.SetOfficialID(in.OfficialID)
	}
	if in.Reporter != nil {
		c.SetReporterIdentity(p.reporter)
		if v := authz.FromContext(p.ctx); v.SignedInCitizen() {
			// Linked to the citizen's identity (a keyed hash no one else reads), so they find it in
			// myCases. An anonymous case is never linked, whoever submits it. The reporter is not
			// marked verified: the name and number typed are not compared with the identity the
			// provider confirmed, so a signed-in citizen could type someone else's.
			c.SetReporterLink(v.Citizen)
		}
	}
	switch p.channel {
	case enum.ChannelDenunciation:
		c.SetAcknowledgeDueAt(s.cal.AddWorkingDays(p.now, s.dur.DenunciationAcceptWorkingDays))
	case enum.ChannelFeedback:
		c.SetAcknowledgeDueAt(s.cal.AddWorkingHours(p.now, time.Duration(s.dur.FeedbackAcknowledgeWorkingHours)*time.Hour)).
			SetDueAt(s.days(p.now, s.dur.FeedbackAnswerDays))
	}
	return c
}

// eventCreate is the case's SUBMITTED event.
func eventCreate(tx *ent.Client, p *prepared) *ent.CaseEventCreate {
	return tx.CaseEvent.Create().SetCaseID(p.id).SetKind(caseevent.KindSUBMITTED).SetToState(enum.CaseSubmitted).
		SetActorKind(caseevent.ActorKindCITIZEN).SetOccurredAt(p.now).SetNote(p.r.NoticeVI)
}

// auditEntry is the submission's line of the audit log.
func auditEntry(p *prepared) audit.Entry {
	return audit.Entry{Action: "caseSubmit", ObjectType: "Case", ObjectID: p.id, Summary: "channel " + string(p.channel)}
}

// submitGrant is what a submission writes.
func submitGrant(ctx context.Context) context.Context {
	return authz.Grant(ctx, "caseSubmit", ent.TypeCitizenCase, ent.TypeCaseEvent, ent.TypeEvidence, ent.TypeUpload)
}

// write writes one submission with tx, the client of the transaction ctx carries (or the root
// client outside one).
func (s *Service) write(ctx context.Context, tx *ent.Client, p *prepared) (*Receipt, error) {
	in, id, r := p.in, p.id, p.r
	claim, err := p.req.BeginDone(ctx, tx, p.result())
	if err != nil {
		return nil, err
	}
	if claim.Replay() {
		return s.replayReceipt(ctx, claim, p.box)
	}
	gctx := submitGrant(ctx)
	if r.Case, err = s.caseCreate(tx, p).Save(gctx); err != nil {
		return nil, err
	}
	if err := eventCreate(tx, p).Exec(gctx); err != nil {
		return nil, err
	}
	evd, err := s.attachUploads(gctx, tx, id, uploadOwner(ctx), in.UploadIDs, p.now)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.User {
			// The case row must not stay either: a user error commits the transaction.
			if _, derr := tx.CaseEvent.Delete().Where(caseevent.HasCaseWith(citizencase.ID(id))).Exec(gctx); derr != nil {
				return nil, derr
			}
			if derr := tx.CitizenCase.DeleteOneID(id).Exec(gctx); derr != nil {
				return nil, derr
			}
			if rerr := claim.Release(ctx); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	}
	// The receipt's view shows the evidence just attached without reading it back.
	r.Case.Edges.Evidence = evd
	if !p.early {
		if r.Signed, err = s.signCase(r.Case, in.UnitID, evd); err != nil {
			return nil, err
		}
		if r.Signed != "" { // a retry answers this very receipt, even once the signing key has changed
			if err := claim.KeepReceipt(ctx, r.Signed); err != nil {
				return nil, err
			}
		}
	}
	if err := audit.Record(ctx, tx, auditEntry(p)); err != nil {
		return nil, err
	}
	s.publish(ctx, r.Case, in.UnitID, string(caseevent.KindSUBMITTED), enum.CaseSubmitted)
	return r, nil
}

func (s *Service) replayReceipt(ctx context.Context, claim *idempotency.Claim, box *sealbox.Box) (*Receipt, error) {
	c, err := s.db(ctx).CitizenCase.Get(authz.System(ctx, authz.SysTrackedCase), claim.ReplayID)
	if err != nil {
		return nil, err
	}
	secret, err := box.Open(claim.ReplaySealed, []byte("caseSubmit:"+c.ID))
	if err != nil {
		return nil, err
	}
	r := &Receipt{Case: c, TrackingCode: c.TrackingCode, Secret: string(secret)}
	if c.Channel != c.RequestedChannel {
		r.NoticeVI, r.NoticeEN = anonymousNoticeVI, anonymousNoticeEN
	}
	if s.Receipts != nil {
		// The same claims as the first time, so the same receipt (Ed25519 is deterministic) while
		// the signing key is the same: the files are those recorded at the time received. The
		// files read here are also the receipt's view's (Edges.Evidence), which reads nothing then.
		sctx := authz.System(ctx, authz.SysTrackedCase)
		unitID, err := s.db(ctx).CitizenCase.QueryUnit(c).OnlyID(sctx)
		if err != nil {
			return nil, err
		}
		all, err := s.db(ctx).Evidence.Query().Where(evidence.HasCaseWith(citizencase.ID(c.ID))).All(sctx)
		if err != nil {
			return nil, err
		}
		c.Edges.Evidence = all
		if claim.ReplayReceipt != "" {
			r.Signed = claim.ReplayReceipt // the very bytes answered the first time
			return r, nil
		}
		// Kept by no earlier version: signed again, the same while the signing key is the same.
		sent := slices.DeleteFunc(slices.Clone(all), func(e *ent.Evidence) bool { return e.UploadedAt.After(c.ReceivedAt) })
		if r.Signed, err = s.signCase(c, unitID, sent); err != nil {
			return nil, err
		}
	}
	return r, nil
}
