-- +goose Up
-- modify "self_assessments" table
ALTER TABLE "self_assessments" ADD COLUMN "flagged_at" timestamptz NULL, ADD COLUMN "flag_reason" text NULL;

-- +goose Down
-- reverse: modify "self_assessments" table
ALTER TABLE "self_assessments" DROP COLUMN "flag_reason", DROP COLUMN "flagged_at";
