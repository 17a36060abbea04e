// Package enum holds the enumerations shared by several fields or types of the data model, so that
// each is one GraphQL enum (Category, Classification, Channel, CaseState) rather than a copy per field.
package enum

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Category is what a citizen case or an incident is about: one of the five prohibitions, or OTHER.
type Category string

// Categories of conduct (DESIGN.md §2: the five prohibitions are also the case categories).
const (
	CategoryNoArrogance    Category = "NO_ARROGANCE"
	CategoryNoBureaucracy  Category = "NO_BUREAUCRACY"
	CategoryNoCorruption   Category = "NO_CORRUPTION"
	CategoryNoFlattery     Category = "NO_FLATTERY"
	CategoryNoAbuseOfPower Category = "NO_ABUSE_OF_POWER"
	CategoryOther          Category = "OTHER"
)

// Values lists the categories in their canonical order.
func (Category) Values() []string {
	return []string{"NO_ARROGANCE", "NO_BUREAUCRACY", "NO_CORRUPTION", "NO_FLATTERY", "NO_ABUSE_OF_POWER", "OTHER"}
}

// Classification is the yearly rating of an official (Decree 90/2020 as amended, and Decree 335/2025).
type Classification string

// Classifications, best first.
const (
	ClassificationExcellent    Classification = "EXCELLENT"
	ClassificationGood         Classification = "GOOD"
	ClassificationCompleted    Classification = "COMPLETED"
	ClassificationNotCompleted Classification = "NOT_COMPLETED"
)

// Values lists the classifications, best first.
func (Classification) Values() []string {
	return []string{"EXCELLENT", "GOOD", "COMPLETED", "NOT_COMPLETED"}
}

// Channel is how a citizen case reached the campaign.
type Channel string

// Channels of citizen cases.
const (
	ChannelFeedback     Channel = "FEEDBACK"
	ChannelDenunciation Channel = "DENUNCIATION"
	ChannelPraise       Channel = "PRAISE"
)

// Values lists the channels.
func (Channel) Values() []string { return []string{"FEEDBACK", "DENUNCIATION", "PRAISE"} }

// CaseState is where a citizen case stands in its handling (DESIGN.md §5).
type CaseState string

// Case states.
const (
	CaseSubmitted   CaseState = "SUBMITTED"
	CaseAccepted    CaseState = "ACCEPTED"
	CaseRejected    CaseState = "REJECTED"
	CaseTransferred CaseState = "TRANSFERRED"
	CaseVerifying   CaseState = "VERIFYING"
	CaseConcluded   CaseState = "CONCLUDED"
	CaseClosed      CaseState = "CLOSED"
	CaseWithdrawn   CaseState = "WITHDRAWN"
	CaseDuplicate   CaseState = "DUPLICATE"
)

// Values lists the case states in the order of the handling flow.
func (CaseState) Values() []string {
	return []string{"SUBMITTED", "ACCEPTED", "REJECTED", "TRANSFERRED", "VERIFYING", "CONCLUDED", "CLOSED", "WITHDRAWN", "DUPLICATE"}
}

type enumValue interface {
	~string
	Values() []string
}

func unmarshal[T enumValue](dst *T, v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum must be a string, got %T", v)
	}
	if !slices.Contains((*dst).Values(), s) {
		return fmt.Errorf("%q is not a valid value", s)
	}
	*dst = T(s)
	return nil
}

func marshal(w io.Writer, s string) { _, _ = io.WriteString(w, strconv.Quote(s)) }

// MarshalGQL writes the category as a GraphQL enum value.
func (e Category) MarshalGQL(w io.Writer) { marshal(w, string(e)) }

// UnmarshalGQL reads a GraphQL enum value.
func (e *Category) UnmarshalGQL(v any) error { return unmarshal(e, v) }

// MarshalGQL writes the classification as a GraphQL enum value.
func (e Classification) MarshalGQL(w io.Writer) { marshal(w, string(e)) }

// UnmarshalGQL reads a GraphQL enum value.
func (e *Classification) UnmarshalGQL(v any) error { return unmarshal(e, v) }

// MarshalGQL writes the channel as a GraphQL enum value.
func (e Channel) MarshalGQL(w io.Writer) { marshal(w, string(e)) }

// UnmarshalGQL reads a GraphQL enum value.
func (e *Channel) UnmarshalGQL(v any) error { return unmarshal(e, v) }

// MarshalGQL writes the state as a GraphQL enum value.
func (e CaseState) MarshalGQL(w io.Writer) { marshal(w, string(e)) }

// UnmarshalGQL reads a GraphQL enum value.
func (e *CaseState) UnmarshalGQL(v any) error { return unmarshal(e, v) }
