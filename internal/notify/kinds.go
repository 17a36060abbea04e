package notify

import (
	"fmt"
	"strings"
)

// Kind is what a notification tells (DESIGN.md §12).
type Kind string

// Citizens' notices about their case (pushed to the devices registered for it).
const (
	CaseAccepted     Kind = "CASE_ACCEPTED"
	CaseRejected     Kind = "CASE_REJECTED"
	CaseTransferred  Kind = "CASE_TRANSFERRED"
	CaseReply        Kind = "CASE_REPLY"
	CaseVerification Kind = "CASE_VERIFICATION_STARTED"
	CaseConcluded    Kind = "CASE_CONCLUDED"
	CaseClosed       Kind = "CASE_CLOSED"
)

// Accounts' notifications (inbox and pushes).
const (
	AssessmentReturned   Kind = "SELF_ASSESSMENT_RETURNED"
	AssessmentReviewed   Kind = "SELF_ASSESSMENT_REVIEWED"
	CommendationApproved Kind = "COMMENDATION_APPROVED"
	CommendationDeclined Kind = "COMMENDATION_DECLINED"
	CommendationRevoked  Kind = "COMMENDATION_REVOKED"
	CaseAboutYou         Kind = "CASE_ABOUT_YOU"
	PledgeReminder       Kind = "PLEDGE_REMINDER"
	AssessmentReminder   Kind = "SELF_ASSESSMENT_REMINDER"
	CaseAssigned         Kind = "CASE_ASSIGNED"
	CaseDueSoon          Kind = "CASE_DUE_SOON"
	CaseOverdue          Kind = "CASE_OVERDUE"
	WeeklyDigest         Kind = "WEEKLY_DIGEST"
)

// Kinds are every kind, in the order the API lists them.
var Kinds = []Kind{CaseAccepted, CaseRejected, CaseTransferred, CaseReply, CaseVerification, CaseConcluded, CaseClosed,
	AssessmentReturned, AssessmentReviewed, CommendationApproved, CommendationDeclined, CommendationRevoked,
	CaseAboutYou, PledgeReminder, AssessmentReminder, CaseAssigned, CaseDueSoon, CaseOverdue, WeeklyDigest}

// Waits reports whether a push of kind waits for the end of its account's quiet hours: every
// account's notification does; a citizen's notice about their case never does (no account, no
// preferences: DESIGN.md §12).
func (k Kind) Waits() bool { return !k.Citizen() }

// Citizen reports whether k is a citizen's notice about their case.
func (k Kind) Citizen() bool {
	switch k {
	case CaseAccepted, CaseRejected, CaseTransferred, CaseReply, CaseVerification, CaseConcluded, CaseClosed:
		return true
	}
	return false
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

type text struct{ title, body string }

// templates are the titles and bodies of each kind, Vietnamese then English. They may say what
// happened and when, and fill in numbers and dates (params): never a name, a reporter, a case's
// description or any citizen's words, since a phone shows them on its lock screen.
var templates = map[Kind][2]text{
	CaseAccepted: {{"Hồ sơ của bạn đã được thụ lý", "Phản ánh/tố cáo bạn gửi đã được tiếp nhận xử lý. Mở ứng dụng để xem chi tiết."},
		{"Your case was accepted", "What you submitted has been accepted for handling. Open the app for details."}},
	CaseRejected: {{"Hồ sơ của bạn không được thụ lý", "Mở ứng dụng để xem lý do."},
		{"Your case was not accepted", "Open the app to see why."}},
	CaseTransferred: {{"Hồ sơ của bạn đã được chuyển", "Hồ sơ đã được chuyển tới đơn vị có thẩm quyền."},
		{"Your case was transferred", "Your case was sent to the unit in charge."}},
	CaseReply: {{"Có tin nhắn mới về hồ sơ của bạn", "Cán bộ xử lý đã gửi tin nhắn. Mở ứng dụng để đọc."},
		{"New message about your case", "The handler sent you a message. Open the app to read it."}},
	CaseVerification: {{"Hồ sơ của bạn đang được xác minh", "Việc xác minh đã bắt đầu."},
		{"Your case is being verified", "Verification has started."}},
	CaseConcluded: {{"Hồ sơ của bạn đã có kết luận", "Mở ứng dụng để xem kết luận."},
		{"Your case was concluded", "Open the app to see the conclusion."}},
	CaseClosed: {{"Hồ sơ của bạn đã đóng", "Bạn có thể đánh giá kết quả xử lý trong ứng dụng."},
		{"Your case was closed", "You can rate how it was handled in the app."}},
	AssessmentReturned: {{"Bản tự đánh giá được trả lại", "Bản tự đánh giá năm {year} cần bổ sung; mở ứng dụng để xem nhận xét."},
		{"Self-assessment returned", "Your {year} self-assessment needs changes; open the app for the comment."}},
	AssessmentReviewed: {{"Bản tự đánh giá đã được xếp loại", "Bản tự đánh giá năm {year} đã được xem xét."},
		{"Self-assessment reviewed", "Your {year} self-assessment has been reviewed."}},
	CommendationApproved: {{"Đề nghị khen thưởng được phê duyệt", "Một đề nghị khen thưởng năm {year} đã được phê duyệt."},
		{"Commendation approved", "A {year} commendation was approved."}},
	CommendationDeclined: {{"Đề nghị khen thưởng không được phê duyệt", "Một đề nghị khen thưởng năm {year} không được phê duyệt."},
		{"Commendation declined", "A {year} commendation was declined."}},
	CommendationRevoked: {{"Khen thưởng bị thu hồi", "Một khen thưởng năm {year} đã bị thu hồi."},
		{"Commendation revoked", "A {year} commendation was revoked."}},
	CaseAboutYou: {{"Có hồ sơ liên quan đến bạn", "Một hồ sơ liên quan đến bạn đang được xác minh. Mở ứng dụng để xem."},
		{"A case concerns you", "A case concerning you is being verified. Open the app to see it."}},
	PledgeReminder: {{"Nhắc ký cam kết", "Còn {days} ngày để ký cam kết năm {year} (hạn {due})."},
		{"Pledge reminder", "{days} days left to sign your {year} pledge (due {due})."}},
	AssessmentReminder: {{"Nhắc tự đánh giá", "Còn {days} ngày để nộp bản tự đánh giá năm {year} (hạn {due})."},
		{"Self-assessment reminder", "{days} days left to submit your {year} self-assessment (due {due})."}},
	CaseAssigned: {{"Bạn được giao một hồ sơ", "Một hồ sơ mới được giao cho bạn xử lý."},
		{"A case was assigned to you", "A case was assigned to you to handle."}},
	CaseDueSoon: {{"Hồ sơ sắp đến hạn", "Một hồ sơ bạn xử lý đến hạn {stage} vào {due}."},
		{"Case due soon", "A case you handle is due for {stage} on {due}."}},
	CaseOverdue: {{"Hồ sơ quá hạn", "Một hồ sơ bạn xử lý đã quá hạn {stage}."},
		{"Case overdue", "A case you handle is past its {stage} deadline."}},
	WeeklyDigest: {{"Tổng hợp tuần của đơn vị", "{notPledged} cán bộ chưa ký cam kết năm {year}; {awaitingReview} bản tự đánh giá năm {assessmentYear} chờ xem xét."},
		{"Your unit's week", "{notPledged} officials have not signed their {year} pledge; {awaitingReview} {assessmentYear} self-assessments await review."}},
}

// unassignedTemplates are the deadline warnings of a case with no handler, sent to the staff who
// may handle it (params["handler"] = "none").
var unassignedTemplates = map[Kind][2]text{
	CaseDueSoon: {{"Hồ sơ chưa phân công sắp đến hạn", "Một hồ sơ của đơn vị bạn phụ trách chưa có người xử lý, đến hạn {stage} vào {due}."},
		{"Unassigned case due soon", "A case in your scope has no handler and is due for {stage} on {due}."}},
	CaseOverdue: {{"Hồ sơ chưa phân công quá hạn", "Một hồ sơ của đơn vị bạn phụ trách chưa có người xử lý và đã quá hạn {stage}."},
		{"Unassigned case overdue", "A case in your scope has no handler and is past its {stage} deadline."}},
}

// stageWords name a deadline's stage in params["stage"].
var stageWords = map[string][2]string{
	"acceptance": {"thụ lý", "acceptance"},
	"conclusion": {"kết luận", "conclusion"},
}

// Render returns the title and body of a notification of kind in lang ("vi" or "en"), with params
// filled in.
func Render(kind Kind, lang string, params map[string]string) (title, body string) {
	t, ok := templates[kind]
	if !ok {
		return "Liêm Chính", ""
	}
	if u, ok := unassignedTemplates[kind]; ok && params["handler"] == "none" {
		t = u
	}
	i := 0
	if lang == "en" {
		i = 1
	}
	var pairs []string
	for k, v := range params {
		if k == "handler" {
			continue
		}
		if k == "stage" {
			if w, ok := stageWords[v]; ok {
				v = w[i]
			}
		}
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(t[i].title), r.Replace(t[i].body)
}

// Title and Body are Render's parts, for the inbox.
func Title(kind Kind, lang string, params map[string]string) string {
	t, _ := Render(kind, lang, params)
	return t
}

// Body is the body of Render.
func Body(kind Kind, lang string, params map[string]string) string {
	_, b := Render(kind, lang, params)
	return b
}

// dedupeKey is the key that makes a notification once per recipient and cause.
func dedupeKey(kind Kind, recipient, cause string) string {
	return fmt.Sprintf("%s:%s:%s", kind, recipient, cause)
}
