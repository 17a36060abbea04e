// Package progress computes the campaign's figures (DESIGN.md §6) for a scope and a year, from
// aggregates it maintains as the records change: every change to an official, a pledge, an
// acknowledgement, a self-assessment, an incident, a commendation, a unit's registration or a case
// adds the difference it makes to per-scope counters, in the same transaction. Reading progress is
// then a lookup of a few hundred counter rows, whatever the scope's size.
package progress

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// SmallCell is the headcount under which a scope's figures are hidden from anyone but the
// scope's own supervisors (DESIGN.md §6: small cells identify people).
const SmallCell = 10

// Targets of the campaign plan (DESIGN.md §2).
const (
	AwarenessTarget = 1.0  // phase 1: every official aware
	ReductionLow    = 0.05 // phase 2: the negativity rate falls by 5% ...
	ReductionHigh   = 0.10 // ... to 10% a year
)

// ScopeRef names a scope: a unit with its sub-units, a district, a province or the nation.
type ScopeRef struct {
	Kind authz.ScopeKind `json:"kind"`
	ID   *string         `json:"id"`
	Name string          `json:"name"`
}

// Scope returns the authz scope.
func (r ScopeRef) Scope() authz.Scope {
	s := authz.Scope{Kind: r.Kind}
	if r.ID != nil {
		s.ID = *r.ID
	}
	return s
}

// Metric is a rate with its parts. Numerator and Rate are nil when the figures are suppressed;
// Rate is also nil when the denominator is 0.
type Metric struct {
	Numerator   *int64   `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Rate        *float64 `json:"rate"`
}

// ChannelCount is a number of cases of a channel.
type ChannelCount struct {
	Channel enum.Channel `json:"channel"`
	Count   int64        `json:"count"`
}

// CategoryCount is a number of cases of a category; a nil category is praise (which has none).
type CategoryCount struct {
	Category *enum.Category `json:"category"`
	Count    int64          `json:"count"`
}

// StateCount is a number of cases in a state.
type StateCount struct {
	State enum.CaseState `json:"state"`
	Count int64          `json:"count"`
}

// ClassificationCount is a number of reviewed self-assessments with a final classification; a nil
// classification counts those reviewed as not rated.
type ClassificationCount struct {
	Classification *enum.Classification `json:"classification"`
	Count          int64                `json:"count"`
}

// FormCount is a number of approved commendations of a form.
type FormCount struct {
	Form  commendation.Form `json:"form"`
	Count int64             `json:"count"`
}

// LevelCount is a number of approved commendations of an issuing level.
type LevelCount struct {
	Level commendation.Level `json:"level"`
	Count int64              `json:"count"`
}

// Satisfaction is the citizens' mean rating of closed cases.
type Satisfaction struct {
	Rated int64    `json:"rated"`
	Mean  *float64 `json:"mean"`
}

// Cases are the case figures of the cases received in the year.
type Cases struct {
	Received     int64           `json:"received"`
	ByChannel    []ChannelCount  `json:"byChannel"`
	ByCategory   []CategoryCount `json:"byCategory"`
	ByState      []StateCount    `json:"byState"`
	OverdueNow   int64           `json:"overdueNow"`
	OnTime       Metric          `json:"onTime"`
	Satisfaction Satisfaction    `json:"satisfaction"`
}

// Commendations are the approved commendations of the year.
type Commendations struct {
	Total   int64        `json:"total"`
	ByForm  []FormCount  `json:"byForm"`
	ByLevel []LevelCount `json:"byLevel"`
}

// ReductionStatus says whether the year met the reduction target.
type ReductionStatus string

// MarshalGQL writes the status as a GraphQL enum value.
func (s ReductionStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a status.
func (s *ReductionStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, ReductionMet, ReductionNotMet, ReductionNoBaseline)
}

// Reduction statuses.
const (
	ReductionMet        ReductionStatus = "MET"
	ReductionNotMet     ReductionStatus = "NOT_MET"
	ReductionNoBaseline ReductionStatus = "NO_BASELINE"
)

// Reduction is the fall of the negativity rate against the previous year.
type Reduction struct {
	Rate         *float64        `json:"rate"`
	PreviousRate *float64        `json:"previousRate"`
	Value        *float64        `json:"value"`
	TargetLow    float64         `json:"targetLow"`
	TargetHigh   float64         `json:"targetHigh"`
	Status       ReductionStatus `json:"status"`
}

// Target is the phase-1 awareness target and whether the scope reached it.
type Target struct {
	Target float64 `json:"target"`
	Met    *bool   `json:"met"`
}

// Report is the progress of a scope in a year (DESIGN.md §6). When Suppressed, only the headcount
// and the number of units are shown: every other figure is nil or empty.
type Report struct {
	Scope                 ScopeRef              `json:"scope"`
	Year                  int                   `json:"year"`
	AsOf                  time.Time             `json:"asOf"`
	Suppressed            bool                  `json:"suppressed"`
	Headcount             int64                 `json:"headcount"`
	Units                 int64                 `json:"units"`
	Awareness             Metric                `json:"awareness"`
	AwarenessTarget       Target                `json:"awarenessTarget"`
	Pledge                Metric                `json:"pledge"`
	Registration          Metric                `json:"registration"`
	SelfAssessment        Metric                `json:"selfAssessment"`
	Classifications       []ClassificationCount `json:"classifications"`
	Cases                 *Cases                `json:"cases"`
	Negativity            Metric                `json:"negativity"`
	NegativityPerThousand *float64              `json:"negativityPerThousand"`
	Reduction             Reduction             `json:"reduction"`
	Commendations         *Commendations        `json:"commendations"`
}

// Point is one month of a year's series: counts to the end of the month (cumulative), and the
// cases received in the month.
type Point struct {
	Month                 int      `json:"month"`
	Acknowledged          *int64   `json:"acknowledged"`
	Pledged               *int64   `json:"pledged"`
	SelfAssessed          *int64   `json:"selfAssessed"`
	OfficialsWithIncident *int64   `json:"officialsWithIncident"`
	Registered            *int64   `json:"registered"`
	CasesReceived         *int64   `json:"casesReceived"`
	AwarenessRate         *float64 `json:"awarenessRate"`
	PledgeRate            *float64 `json:"pledgeRate"`
	SelfAssessmentRate    *float64 `json:"selfAssessmentRate"`
	NegativityRate        *float64 `json:"negativityRate"`
}

// Series is a scope's year month by month.
type Series struct {
	Scope      ScopeRef `json:"scope"`
	Year       int      `json:"year"`
	Headcount  int64    `json:"headcount"`
	Suppressed bool     `json:"suppressed"`
	Points     []Point  `json:"points"`
}

// RankMetric is what a ranking orders by.
type RankMetric string

// MarshalGQL writes the metric as a GraphQL enum value.
func (m RankMetric) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(m))) }

// UnmarshalGQL reads a metric.
func (m *RankMetric) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, m, RankMetrics...)
}

// RankMetrics are every metric a ranking can order by.
var RankMetrics = []RankMetric{RankHeadcount, RankAwareness, RankPledge, RankRegistration, RankSelfAssessment,
	RankNegativity, RankOnTime, RankSatisfaction, RankCasesReceived, RankCommendations}

// Ranking metrics.
const (
	RankHeadcount      RankMetric = "HEADCOUNT"
	RankAwareness      RankMetric = "AWARENESS_RATE"
	RankPledge         RankMetric = "PLEDGE_RATE"
	RankRegistration   RankMetric = "REGISTRATION_RATE"
	RankSelfAssessment RankMetric = "SELF_ASSESSMENT_RATE"
	RankNegativity     RankMetric = "NEGATIVITY_RATE"
	RankOnTime         RankMetric = "ON_TIME_RATE"
	RankSatisfaction   RankMetric = "SATISFACTION"
	RankCasesReceived  RankMetric = "CASES_RECEIVED"
	RankCommendations  RankMetric = "COMMENDATIONS"
)

// Entry is one place of a ranking: a province (ranking the nation) or a unit (with its
// sub-units). Value is nil when suppressed or undefined (no denominator); such entries come last.
type Entry struct {
	Rank        int           `json:"rank"`
	Scope       ScopeRef      `json:"scope"`
	Unit        *ent.Unit     `json:"-"`
	Province    *ent.Province `json:"-"`
	Headcount   int64         `json:"headcount"`
	Value       *float64      `json:"value"`
	Numerator   *int64        `json:"numerator"`
	Denominator int64         `json:"denominator"`
}

func unmarshalEnum[T ~string](v any, dst *T, values ...T) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum value must be a string, got %T", v)
	}
	for _, x := range values {
		if string(x) == str {
			*dst = x
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid value", str)
}
