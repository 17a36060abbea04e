package authz

import "github.com/liemchinh/liemchinh/ent"

// The purposes for which the server acts past the viewer's own rights: each is declared here
// once, with its reason, the types it reads past the viewer filters and the types it writes
// (ent.TypeX, a mutation's m.Type()). Public reference data (PublicTypes) needs no purpose to be
// read. A test lists every System call by file, function and purpose against a golden file
// (testdata/uses.golden), so a new one shows up in review.
var (
	// SysSeed is every type, for seeds, demo data and the load command's reference data: the
	// server's own start-up and command-line work, never a request (System refuses it in one). A
	// test holds it to internal/seed and internal/app.
	SysSeed = declare("Seed", "seeds, demo data and command-line loads write the database from nothing", everyType)

	// SysTestFixture is every type, for tests building and inspecting their fixtures. A test
	// holds it to _test.go files and internal/testutil.
	SysTestFixture = declare("TestFixture", "tests build and inspect their fixtures", everyType)

	// SysLoadCount counts what the load command submitted, whoever the cases are about.
	SysLoadCount = declare("LoadCount", "the load command counts the cases its run stored",
		reads(ent.TypeCitizenCase))

	// SysOverdueMetric counts the overdue cases of every province for the operators' metrics
	// (METRICS_ADDR, never the public port): counts only, no case is read.
	SysOverdueMetric = declare("OverdueMetric", "the operators' metrics count the overdue cases of each province",
		reads(ent.TypeCitizenCase))

	// SysSignIn finds an account by its login before anyone is signed in, and records the login.
	SysSignIn = declare("SignIn", "sign-in finds the account by login and records the time",
		reads(ent.TypeAccount), writes(ent.TypeAccount))

	// SysSession issues, spends and revokes refresh tokens, which no viewer ever reads.
	SysSession = declare("Session", "refresh tokens are issued, spent and revoked on the account's behalf",
		reads(ent.TypeRefreshToken, ent.TypeAccount), writes(ent.TypeRefreshToken))

	// SysAuthenticate checks a token (access or export link) against its account as it is now.
	SysAuthenticate = declare("Authenticate", "a token is checked against its account's state before a viewer exists",
		reads(ent.TypeAccount))

	// SysAudit appends to the audit log, which only administrators read.
	SysAudit = declare("Audit", "every audited action appends its entry, whoever acted",
		writes(ent.TypeAuditEvent))

	// SysIdempotency claims, completes and releases idempotency keys, which no viewer reads.
	SysIdempotency = declare("Idempotency", "a creating mutation claims and records its idempotency key",
		reads(ent.TypeIdempotencyKey), writes(ent.TypeIdempotencyKey))

	// SysUpload receives a citizen's upload and finds it again for the case it is attached to.
	SysUpload = declare("Upload", "uploads have no reader: the uploader is found by an owner token",
		reads(ent.TypeUpload), writes(ent.TypeUpload))

	// SysBlobSeal lists where evidence files are kept, so that `liemchinh blobs seal` encrypts
	// those stored before BLOB_KEY.
	SysBlobSeal = declare("BlobSeal", "the blobs seal command encrypts every evidence file stored before encryption",
		reads(ent.TypeUpload, ent.TypeEvidence))

	// SysTrackedCase reads the one case whose tracking code and secret a citizen presented.
	SysTrackedCase = declare("TrackedCase", "a citizen with a case's tracking code and secret reads that case",
		reads(ent.TypeCitizenCase, ent.TypeCaseEvent, ent.TypeCaseMessage, ent.TypeEvidence))

	// SysCitizenCases reads the identified cases a signed-in citizen submitted (OwnCases), which
	// the case filter refuses a citizen's token.
	SysCitizenCases = declare("CitizenCases", "a citizen signed in with OpenID Connect lists the identified cases linked to their identity",
		reads(ent.TypeCitizenCase, ent.TypeEvidence))

	// SysNamedOfficial checks the official a submission, case or inspection names, whom the
	// viewer (a citizen, or staff of another scope) may not otherwise read.
	SysNamedOfficial = declare("NamedOfficial", "a submission, case or inspection is checked against the official it names",
		reads(ent.TypeOfficial))

	// SysAssignee checks the account a case is assigned to (role, scope, enabled).
	SysAssignee = declare("Assignee", "a case is assigned only to an enabled inspector whose scope holds it",
		reads(ent.TypeAccount))

	// SysCaseHandler finds who handles a case, to tell whether the viewer may read its reporter.
	SysCaseHandler = declare("CaseHandler", "reading a reporter asks who handles the case",
		reads(ent.TypeCitizenCase, ent.TypeAccount))

	// SysConcerned tells the cases (and their events) about the viewer's own official, whether or
	// not the viewer may read them: recusal and masking (DESIGN.md §5).
	SysConcerned = declare("Concerned", "recusal and masking ask which cases are about the viewer's official",
		reads(ent.TypeCitizenCase, ent.TypeCaseEvent))

	// SysAwardCheck checks a commendation's recipient, eligibility and duplicates across scopes.
	SysAwardCheck = declare("AwardCheck", "a commendation is checked against its recipient's record in every unit",
		reads(ent.TypeOfficial, ent.TypeCommendation, ent.TypeIncident, ent.TypeSelfAssessment))

	// SysIncidentFlags finds the awards and assessments an established incident puts in doubt.
	SysIncidentFlags = declare("IncidentFlags", "an established incident flags the official's awards and assessments",
		reads(ent.TypeCommendation, ent.TypeSelfAssessment))

	// SysRecordCounts finds every record a delete removes, whoever may read it, so that the
	// counts kept per unit (internal/recordscope) lose exactly those.
	SysRecordCounts = declare("RecordCounts", "the counts kept per unit follow every record a delete removes",
		reads(ent.TypeAcknowledgement, ent.TypePledge, ent.TypeSelfAssessment))

	// SysAssessmentItems counts the answers of an assessment being submitted.
	SysAssessmentItems = declare("AssessmentItems", "a submitted assessment must answer every criterion",
		reads(ent.TypeSelfAssessmentItem))

	// SysIncidentBar finds the incidents of the year that bar a classification, in any unit.
	SysIncidentBar = declare("IncidentBar", "a classification is barred by an incident of the year in any unit",
		reads(ent.TypeIncident))

	// SysReviewVersion reads the last closed version of a review to number the next.
	SysReviewVersion = declare("ReviewVersion", "closing a review numbers it after every version before",
		reads(ent.TypeReview))

	// SysProgressTrack reads the row a mutation changes, to move the progress counters.
	SysProgressTrack = declare("ProgressTrack", "the progress counters follow every change of a counted type",
		reads(ent.TypeOfficial, ent.TypeAcknowledgement, ent.TypePledge, ent.TypeSelfAssessment, ent.TypeIncident,
			ent.TypeCommendation, ent.TypeEmulationRegistration, ent.TypeCitizenCase, ent.TypeOfficialAssignment))

	// SysOpenData publishes the feedback and praise cases open data may show (PublishedCases:
	// never a denunciation, nothing of a unit under MinPublishedOfficials) and counts officials
	// for the small-cell rule, for anyone, through Open311 (internal/open311).
	SysOpenData = declare("OpenData", "open data publishes feedback and praise outside denunciations and small units",
		reads(ent.TypeCitizenCase, ent.TypeOfficial))

	// SysPartnerKey checks a partner app's api_key (Open311 POST), which no viewer reads.
	SysPartnerKey = declare("PartnerKey", "a partner app's api_key is checked before its submission",
		reads(ent.TypePartnerKey))

	// SysActivation finds an account and its one-time code before anyone is signed in (activation,
	// reset), spends the code and sets the password.
	SysActivation = declare("Activation", "a one-time code is checked against its account before anyone is signed in, then spent",
		reads(ent.TypeAccount, ent.TypeActivationCode), writes(ent.TypeAccount, ent.TypeActivationCode))

	// SysPasswordReset finds the account of a login and its official's registered contact, for a
	// self-service reset requested without signing in, and stores the reset code's hash.
	SysPasswordReset = declare("PasswordReset", "a reset code is sent to the registered contact of the login's official",
		reads(ent.TypeAccount, ent.TypeOfficial), writes(ent.TypeActivationCode))

	// SysCodeDelivery reads a one-time code's record, its account and the official's registered
	// contact, to send the code (a job of the queue, after the transaction that issued it).
	SysCodeDelivery = declare("CodeDelivery", "a one-time code issued to be sent is delivered to its official's registered contact",
		reads(ent.TypeAccount, ent.TypeActivationCode, ent.TypeOfficial))

	// SysProvision reads the accounts of officials in a scope the viewer may provision (accounts
	// are otherwise read by administrators only), the logins already taken, and ends the codes a
	// new one replaces.
	SysProvision = declare("Provision", "provisioning and new codes look up the accounts of officials in scope and the logins taken",
		reads(ent.TypeAccount, ent.TypeActivationCode), writes(ent.TypeActivationCode))

	// SysProvisionRun works a provisioning run in the background, after its request was allowed
	// (MayProvision): it reads the officials and units of the run's scope and the logins taken,
	// writes their accounts, activation codes and sheets, and the run's progress.
	SysProvisionRun = declare("ProvisionRun", "a provisioning run creates the accounts of its scope in the background after its request was allowed",
		reads(ent.TypeOfficial, ent.TypeUnit, ent.TypeAccount, ent.TypeActivationCode, ent.TypeActivationSheet, ent.TypeAccountProvisioning),
		writes(ent.TypeAccount, ent.TypeActivationCode, ent.TypeActivationSheet, ent.TypeAccountProvisioning, ent.TypeAuditEvent))

	// SysIdentity finds the account linked to a verified OpenID Connect identity before anyone is
	// signed in.
	SysIdentity = declare("Identity", "single sign-on finds the account linked to the identity's keyed hash",
		reads(ent.TypeAccount), writes(ent.TypeAccount))
	// SysOrgChart reads the officials, units, assignments and units' past places a change of the
	// organisation chart or a roster import names, once authz.OrgEditor has allowed the change
	// (employee codes are unique nationally: a code is checked against every official).
	SysOrgChart = declare("OrgChart", "an org chart change or roster import reads the officials and units it changes, and every employee code",
		reads(ent.TypeOfficial, ent.TypeOfficialAssignment, ent.TypeUnit, ent.TypeUnitPlacement, ent.TypeRosterImport, ent.TypeUpload))

	// SysRosterImport runs a roster import in the background, after its request was allowed: it
	// writes the import's progress and, applying, the officials and their assignments.
	SysRosterImport = declare("RosterImport", "a roster import runs in the background after its request was allowed",
		reads(ent.TypeOfficial, ent.TypeOfficialAssignment, ent.TypeUnit, ent.TypeRosterImport, ent.TypeUpload),
		writes(ent.TypeRosterImport, ent.TypeOfficial, ent.TypeOfficialAssignment, ent.TypeAuditEvent))
	// SysNotify enqueues a notification for its recipients in the transaction of the change that
	// causes it (the recipients are found past the causing viewer's rights: the official a case
	// is about, the handler assigned, the accounts of a unit's staff), and delivers it: reads the
	// recipients' devices and preferences, marks it sent, forgets the tokens the push service
	// calls dead, and removes what is past its retention.
	SysNotify = declare("Notify", "notifications are enqueued for and delivered to their recipients, whoever caused them",
		reads(ent.TypeAccount, ent.TypeOfficial, ent.TypeCitizenCase, ent.TypeDevice, ent.TypeNotification,
			ent.TypeNotificationSetting, ent.TypePledge, ent.TypeSelfAssessment),
		writes(ent.TypeNotification, ent.TypeDevice))

	// SysDevice registers and removes devices for the account or tracked case the caller has
	// proven, and removes an account's devices when it signs out or is disabled.
	SysDevice = declare("Device", "a device is registered for the caller's own account or tracked case",
		reads(ent.TypeDevice), writes(ent.TypeDevice))
)
