-- +goose Up
-- modify "cases" table
ALTER TABLE "cases" ADD COLUMN "reporter_link" character varying NULL;
-- create index "citizencase_reporter_link_id" to table: "cases"
CREATE INDEX "citizencase_reporter_link_id" ON "cases" ("reporter_link", "id");
-- create "unit_placements" table
CREATE TABLE "unit_placements" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "valid_from" timestamptz NULL, "valid_to" timestamptz NOT NULL, "parent_id" character varying NULL, "district_id" character varying NULL, "province_id" character varying NOT NULL, "unit_placements" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "unit_placements_units_placements" FOREIGN KEY ("unit_placements") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "unitplacement_unit_placements_valid_to" to table: "unit_placements"
CREATE INDEX "unitplacement_unit_placements_valid_to" ON "unit_placements" ("unit_placements", "valid_to");

-- +goose Down
-- reverse: create index "unitplacement_unit_placements_valid_to" to table: "unit_placements"
DROP INDEX "unitplacement_unit_placements_valid_to";
-- reverse: create "unit_placements" table
DROP TABLE "unit_placements";
-- reverse: create index "citizencase_reporter_link_id" to table: "cases"
DROP INDEX "citizencase_reporter_link_id";
-- reverse: modify "cases" table
ALTER TABLE "cases" DROP COLUMN "reporter_link";
