-- +goose Up
-- modify "cases" table
ALTER TABLE "cases" ADD COLUMN "subject_notice" text NULL, ADD COLUMN "subject_visible_at" timestamptz NULL;
-- modify "evidences" table
ALTER TABLE "evidences" ADD COLUMN "sanitized" boolean NOT NULL DEFAULT true;
-- modify "uploads" table
ALTER TABLE "uploads" ADD COLUMN "sanitized" boolean NOT NULL DEFAULT true;

-- backfill: the official concerned sees a case from the start of verification (praise: acceptance)
UPDATE "cases" SET "subject_visible_at" = "accepted_at" WHERE "channel" = 'PRAISE' AND "accepted_at" IS NOT NULL;
UPDATE "cases" SET "subject_visible_at" = (SELECT MIN(e."occurred_at") FROM "case_events" e WHERE e."citizen_case_events" = "cases"."id" AND e."kind" = 'VERIFICATION_STARTED') WHERE "channel" <> 'PRAISE';
-- backfill: only JPEG, PNG and WebP files had their metadata removed before this release
UPDATE "evidences" SET "sanitized" = false WHERE "content_type" NOT IN ('image/jpeg', 'image/png', 'image/webp');
UPDATE "uploads" SET "sanitized" = false WHERE "storage_key" IS NOT NULL AND "storage_key" <> '' AND "content_type" NOT IN ('image/jpeg', 'image/png', 'image/webp');

-- +goose Down
-- reverse: modify "uploads" table
ALTER TABLE "uploads" DROP COLUMN "sanitized";
-- reverse: modify "evidences" table
ALTER TABLE "evidences" DROP COLUMN "sanitized";
-- reverse: modify "cases" table
ALTER TABLE "cases" DROP COLUMN "subject_visible_at", DROP COLUMN "subject_notice";
