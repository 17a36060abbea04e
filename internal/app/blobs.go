package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/ent/evidence"
	"github.com/liemchinh/liemchinh/ent/upload"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/server"
)

// blobsCmd runs `blobs seal`: every evidence file the database knows of that is still stored in
// plaintext (written before BLOB_KEY existed) is encrypted in place. It can run while servers
// serve (each file is replaced whole) and again at will (sealed files are left alone).
func blobsCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "seal" {
		return fmt.Errorf("usage: blobs seal")
	}
	db, err := openMigrated(ctx, cfg, log, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := server.OpenBlobs(ctx, cfg, nil)
	if err != nil {
		return err
	}
	sys := authz.System(ctx, authz.SysBlobSeal)
	keys, err := db.Client.Evidence.Query().Select(evidence.FieldStorageKey).Strings(sys)
	if err != nil {
		return err
	}
	staged, err := db.Client.Upload.Query().Where(upload.StorageKeyNEQ("")).Select(upload.FieldStorageKey).Strings(sys)
	if err != nil {
		return err
	}
	keys = append(keys, staged...)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	start, sealed := time.Now(), 0
	for _, key := range keys {
		done, err := blobs.Reseal(ctx, key)
		if err != nil {
			return fmt.Errorf("blobs seal: %s: %w", key, err)
		}
		if done {
			sealed++
		}
	}
	fmt.Fprintf(stdout, "evidence files: %d known, %d encrypted now, %d already encrypted or missing (%s)\n",
		len(keys), sealed, len(keys)-sealed, time.Since(start).Round(time.Millisecond))
	return nil
}
