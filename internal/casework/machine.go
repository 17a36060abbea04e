package casework

import (
	"slices"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// Action is something done to a case.
type Action string

// Actions of DESIGN.md §5, by staff or by the citizen.
const (
	Accept            Action = "caseAccept"
	Reject            Action = "caseReject"
	Transfer          Action = "caseTransfer"
	Assign            Action = "caseAssign"
	StartVerification Action = "caseStartVerification"
	Extend            Action = "caseExtend"
	Conclude          Action = "caseConclude"
	Close             Action = "caseClose"
	MarkDuplicate     Action = "caseMarkDuplicate"
	Withdraw          Action = "caseWithdraw"
	Message           Action = "caseMessageSend"
	AddEvidence       Action = "caseEvidenceAdd"
	Rate              Action = "caseRate"
)

// step is one row of the state machine: in which states an action is allowed, the state it leads
// to ("" keeps the state) and the event it records.
type step struct {
	from []enum.CaseState
	to   enum.CaseState
	kind caseevent.Kind
}

// writes are the types an action writes, for its grant (authz.Grant): the case and its event, and
// a message, a file, or a conclusion's incident with the awards and assessments it flags.
func (a Action) writes() []string {
	types := []string{ent.TypeCitizenCase, ent.TypeCaseEvent}
	switch a {
	case Message:
		types = append(types, ent.TypeCaseMessage)
	case AddEvidence:
		types = append(types, ent.TypeEvidence, ent.TypeUpload)
	case Conclude:
		types = append(types, ent.TypeIncident, ent.TypeCommendation, ent.TypeSelfAssessment)
	}
	return types
}

var open = []enum.CaseState{enum.CaseSubmitted, enum.CaseTransferred, enum.CaseAccepted, enum.CaseVerifying}

// received are the states in which the unit holding the case decides whether to accept it.
var received = []enum.CaseState{enum.CaseSubmitted, enum.CaseTransferred}

// machine is the whole flow: SUBMITTED -> ACCEPTED | REJECTED | TRANSFERRED | DUPLICATE;
// TRANSFERRED (now with the unit in charge) -> the same decisions; ACCEPTED -> VERIFYING ->
// CONCLUDED -> CLOSED; WITHDRAWN by the citizen before conclusion.
var machine = map[Action]step{
	Accept:            {received, enum.CaseAccepted, caseevent.KindACCEPTED},
	Reject:            {received, enum.CaseRejected, caseevent.KindREJECTED},
	Transfer:          {received, enum.CaseTransferred, caseevent.KindTRANSFERRED},
	MarkDuplicate:     {[]enum.CaseState{enum.CaseSubmitted, enum.CaseTransferred, enum.CaseAccepted}, enum.CaseDuplicate, caseevent.KindMARKED_DUPLICATE},
	Assign:            {open, "", caseevent.KindASSIGNED},
	StartVerification: {[]enum.CaseState{enum.CaseAccepted}, enum.CaseVerifying, caseevent.KindVERIFICATION_STARTED},
	Extend:            {[]enum.CaseState{enum.CaseAccepted, enum.CaseVerifying}, "", caseevent.KindEXTENDED},
	Conclude:          {[]enum.CaseState{enum.CaseVerifying}, enum.CaseConcluded, caseevent.KindCONCLUDED},
	Close:             {[]enum.CaseState{enum.CaseConcluded}, enum.CaseClosed, caseevent.KindCLOSED},
	Withdraw:          {open, enum.CaseWithdrawn, caseevent.KindWITHDRAWN},
	Message:           {append(slices.Clone(open), enum.CaseConcluded), "", caseevent.KindMESSAGE},
	AddEvidence:       {open, "", caseevent.KindEVIDENCE_ADDED},
	Rate:              {[]enum.CaseState{enum.CaseClosed}, "", caseevent.KindRATED},
}

// Next returns the state an action leads to from state and the event kind it records, or a user
// error when the action is not allowed in that state.
func Next(state enum.CaseState, a Action) (enum.CaseState, caseevent.Kind, error) {
	s, ok := machine[a]
	if !ok || !slices.Contains(s.from, state) {
		return "", "", apperr.Newf(apperr.Conflict,
			"Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái %s.",
			"This cannot be done while the case is %s.", state).ForUser()
	}
	to := s.to
	if to == "" {
		to = state
	}
	return to, s.kind, nil
}

// Terminal reports whether a case in state is finished (no deadline runs).
func Terminal(state enum.CaseState) bool { return !slices.Contains(open, state) }
