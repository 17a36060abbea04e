-- +goose Up
-- add column "moved_by" to table: "unit_placements"
ALTER TABLE `unit_placements` ADD COLUMN `moved_by` text NULL;
-- add column "moved_with" to table: "unit_placements"
ALTER TABLE `unit_placements` ADD COLUMN `moved_with` text NULL;

-- +goose Down
-- reverse: add column "moved_with" to table: "unit_placements"
ALTER TABLE `unit_placements` DROP COLUMN `moved_with`;
-- reverse: add column "moved_by" to table: "unit_placements"
ALTER TABLE `unit_placements` DROP COLUMN `moved_by`;
