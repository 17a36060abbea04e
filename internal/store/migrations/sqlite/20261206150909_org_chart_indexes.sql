-- +goose Up
-- create index "unit_closed_on" to table: "units"
CREATE INDEX `unit_closed_on` ON `units` (`closed_on`);
-- create index "officialassignment_valid_from" to table: "official_assignments"
CREATE INDEX `officialassignment_valid_from` ON `official_assignments` (`valid_from`);

-- +goose Down
-- reverse: create index "officialassignment_valid_from" to table: "official_assignments"
DROP INDEX `officialassignment_valid_from`;
-- reverse: create index "unit_closed_on" to table: "units"
DROP INDEX `unit_closed_on`;
