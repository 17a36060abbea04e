// Package pid owns the opaque, prefixed identifiers every record carries: a short type prefix and a
// ULID ("off_01jc8...") so that ids reveal neither counts nor order to enumerate, and node(id) can
// tell the type from the id alone.
package pid

import (
	"crypto/rand"
	"io"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// Prefixes of each record type. A prefix is stable forever: it is part of every id ever issued.
const (
	Province              = "prv"
	District              = "dst"
	Unit                  = "unt"
	Official              = "off"
	Account               = "acc"
	Campaign              = "cmp"
	Phase                 = "phs"
	Criterion             = "crt"
	Acknowledgement       = "ack"
	Pledge                = "plg"
	EmulationRegistration = "emr"
	SelfAssessment        = "sas"
	SelfAssessmentItem    = "sai"
	Case                  = "cas"
	CaseEvent             = "cev"
	CaseMessage           = "cmg"
	Evidence              = "evd"
	Incident              = "inc"
	Commendation          = "cmd"
	Inspection            = "isp"
	AuditEvent            = "aud"
	RefreshToken          = "rtk"
	IdempotencyKey        = "idk"
	Upload                = "upl"
	Review                = "rvw"
	PartnerKey            = "pak"
	ActivationCode        = "acd"
	ActivationSheet       = "ash"
	OfficialAssignment    = "oas"
	UnitPlacement         = "upc"
	RosterImport          = "rim"
	AccountProvisioning   = "apv"
	Device                = "dvc"
	Notification          = "ntf"
	NotificationSetting   = "nst"
)

// tables maps a prefix to the ent type (and GraphQL type) it identifies.
var tables = map[string]string{
	Province: "Province", District: "District", Unit: "Unit", Official: "Official", Account: "Account",
	Campaign: "Campaign", Phase: "Phase", Criterion: "Criterion", Acknowledgement: "Acknowledgement",
	Pledge: "Pledge", EmulationRegistration: "EmulationRegistration", SelfAssessment: "SelfAssessment",
	SelfAssessmentItem: "SelfAssessmentItem", Case: "Case", CaseEvent: "CaseEvent",
	CaseMessage: "CaseMessage", Evidence: "Evidence", Incident: "Incident",
	Commendation: "Commendation", Inspection: "Inspection", AuditEvent: "AuditEvent",
	RefreshToken: "RefreshToken", IdempotencyKey: "IdempotencyKey",
	Upload: "Upload", Review: "Review", PartnerKey: "PartnerKey",
	ActivationCode: "ActivationCode", ActivationSheet: "ActivationSheet",
	OfficialAssignment: "OfficialAssignment", UnitPlacement: "UnitPlacement", RosterImport: "RosterImport",
	AccountProvisioning: "AccountProvisioning",
	Device:              "Device", Notification: "Notification", NotificationSetting: "NotificationSetting",
}

// entropy is crypto randomness that increases within a millisecond, so that the ids one process
// issues sort in the order they were made (connections page by id, oldest first).
var entropy = &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)}

// New returns a fresh id with the given prefix, from the current time and crypto randomness.
func New(prefix string) string {
	return NewAt(prefix, time.Now(), entropy)
}

// NewAt returns an id for the given time drawn from entropy; seeds use it with a fixed source so
// that demo data is the same on every run.
func NewAt(prefix string, t time.Time, entropy io.Reader) string {
	return prefix + "_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(t), entropy).String())
}

// TypeOf returns the type name an id belongs to, or false when the id is not one of ours.
func TypeOf(id string) (string, bool) {
	prefix, rest, ok := strings.Cut(id, "_")
	if !ok || len(rest) != ulid.EncodedSize {
		return "", false
	}
	if _, err := ulid.ParseStrict(strings.ToUpper(rest)); err != nil {
		return "", false
	}
	t, ok := tables[prefix]
	return t, ok
}
