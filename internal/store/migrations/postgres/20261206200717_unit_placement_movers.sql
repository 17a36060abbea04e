-- +goose Up
-- modify "unit_placements" table
ALTER TABLE "unit_placements" ADD COLUMN "moved_by" character varying NULL, ADD COLUMN "moved_with" character varying NULL;

-- +goose Down
-- reverse: modify "unit_placements" table
ALTER TABLE "unit_placements" DROP COLUMN "moved_with", DROP COLUMN "moved_by";
