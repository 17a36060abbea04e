package casework

import (
	"testing"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
)

func TestMachine(t *testing.T) {
	all := []enum.CaseState{enum.CaseSubmitted, enum.CaseAccepted, enum.CaseRejected, enum.CaseTransferred,
		enum.CaseVerifying, enum.CaseConcluded, enum.CaseClosed, enum.CaseWithdrawn, enum.CaseDuplicate}
	// allowed[action] = state -> next state.
	allowed := map[Action]map[enum.CaseState]enum.CaseState{
		Accept:            {enum.CaseSubmitted: enum.CaseAccepted, enum.CaseTransferred: enum.CaseAccepted},
		Reject:            {enum.CaseSubmitted: enum.CaseRejected, enum.CaseTransferred: enum.CaseRejected},
		Transfer:          {enum.CaseSubmitted: enum.CaseTransferred, enum.CaseTransferred: enum.CaseTransferred},
		MarkDuplicate:     {enum.CaseSubmitted: enum.CaseDuplicate, enum.CaseTransferred: enum.CaseDuplicate, enum.CaseAccepted: enum.CaseDuplicate},
		Assign:            {enum.CaseSubmitted: enum.CaseSubmitted, enum.CaseTransferred: enum.CaseTransferred, enum.CaseAccepted: enum.CaseAccepted, enum.CaseVerifying: enum.CaseVerifying},
		StartVerification: {enum.CaseAccepted: enum.CaseVerifying},
		Extend:            {enum.CaseAccepted: enum.CaseAccepted, enum.CaseVerifying: enum.CaseVerifying},
		Conclude:          {enum.CaseVerifying: enum.CaseConcluded},
		Close:             {enum.CaseConcluded: enum.CaseClosed},
		Withdraw:          {enum.CaseSubmitted: enum.CaseWithdrawn, enum.CaseTransferred: enum.CaseWithdrawn, enum.CaseAccepted: enum.CaseWithdrawn, enum.CaseVerifying: enum.CaseWithdrawn},
		Message:           {enum.CaseSubmitted: enum.CaseSubmitted, enum.CaseTransferred: enum.CaseTransferred, enum.CaseAccepted: enum.CaseAccepted, enum.CaseVerifying: enum.CaseVerifying, enum.CaseConcluded: enum.CaseConcluded},
		AddEvidence:       {enum.CaseSubmitted: enum.CaseSubmitted, enum.CaseTransferred: enum.CaseTransferred, enum.CaseAccepted: enum.CaseAccepted, enum.CaseVerifying: enum.CaseVerifying},
		Rate:              {enum.CaseClosed: enum.CaseClosed},
	}
	for action, ok := range allowed {
		for _, from := range all {
			t.Run(string(action)+"/"+string(from), func(t *testing.T) {
				to, kind, err := Next(from, action)
				want, allowed := ok[from]
				if allowed != (err == nil) {
					t.Fatalf("allowed %v, err %v", allowed, err)
				}
				if allowed && (to != want || kind == "") {
					t.Fatalf("-> %s (%s), want %s", to, kind, want)
				}
			})
		}
	}
	if !Terminal(enum.CaseClosed) || !Terminal(enum.CaseWithdrawn) || Terminal(enum.CaseVerifying) || Terminal(enum.CaseTransferred) {
		t.Fatal("terminal states")
	}
}
