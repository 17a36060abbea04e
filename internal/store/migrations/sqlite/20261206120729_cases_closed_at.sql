-- +goose Up
-- create index "citizencase_closed_at" to table: "cases"
CREATE INDEX `citizencase_closed_at` ON `cases` (`closed_at`);

-- +goose Down
-- reverse: create index "citizencase_closed_at" to table: "cases"
DROP INDEX `citizencase_closed_at`;
