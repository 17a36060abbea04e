package recognition

import (
	"context"
	"fmt"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
)

// FlagAwards marks the official's approved and proposed awards of year for review, because an
// incident of that year has just been established (by a case's conclusion or an inspection):
// under the Law on Emulation and Commendation 2022 an award is revoked when violations in its
// period are proven later. Each award flagged is written to the audit log. tx is the
// transaction's client and ctx must carry the grant of the action establishing the incident.
func FlagAwards(ctx context.Context, tx *ent.Client, officialID string, year int) error {
	ids, err := tx.Commendation.Query().Where(commendation.HasOfficialWith(official.ID(officialID)),
		commendation.Year(year), commendation.StatusIn(commendation.StatusAPPROVED, commendation.StatusPROPOSED),
		commendation.Flagged(false)).IDs(authz.System(ctx))
	if err != nil || len(ids) == 0 {
		return err
	}
	if _, err := tx.Commendation.Update().Where(commendation.IDIn(ids...)).SetFlagged(true).Save(ctx); err != nil {
		return err
	}
	for _, id := range ids {
		if err := audit.Record(ctx, tx, audit.Entry{Action: "commendationFlag", ObjectType: "Commendation", ObjectID: id,
			Summary: fmt.Sprintf("flagged: an incident of %d was established", year)}); err != nil {
			return err
		}
	}
	return nil
}
