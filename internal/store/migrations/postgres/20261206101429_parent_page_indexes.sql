-- +goose Up
-- drop index "official_unit_officials" from table: "officials"
DROP INDEX "official_unit_officials";
-- create index "official_unit_officials_id" to table: "officials"
CREATE INDEX "official_unit_officials_id" ON "officials" ("unit_officials", "id");
-- drop index "unit_district_units" from table: "units"
DROP INDEX "unit_district_units";
-- drop index "unit_province_units" from table: "units"
DROP INDEX "unit_province_units";
-- drop index "unit_unit_children" from table: "units"
DROP INDEX "unit_unit_children";
-- create index "unit_district_units_id" to table: "units"
CREATE INDEX "unit_district_units_id" ON "units" ("district_units", "id");
-- create index "unit_province_units_id" to table: "units"
CREATE INDEX "unit_province_units_id" ON "units" ("province_units", "id");
-- create index "unit_unit_children_id" to table: "units"
CREATE INDEX "unit_unit_children_id" ON "units" ("unit_children", "id");

-- +goose Down
-- reverse: create index "unit_unit_children_id" to table: "units"
DROP INDEX "unit_unit_children_id";
-- reverse: create index "unit_province_units_id" to table: "units"
DROP INDEX "unit_province_units_id";
-- reverse: create index "unit_district_units_id" to table: "units"
DROP INDEX "unit_district_units_id";
-- reverse: drop index "unit_unit_children" from table: "units"
CREATE INDEX "unit_unit_children" ON "units" ("unit_children");
-- reverse: drop index "unit_province_units" from table: "units"
CREATE INDEX "unit_province_units" ON "units" ("province_units");
-- reverse: drop index "unit_district_units" from table: "units"
CREATE INDEX "unit_district_units" ON "units" ("district_units");
-- reverse: create index "official_unit_officials_id" to table: "officials"
DROP INDEX "official_unit_officials_id";
-- reverse: drop index "official_unit_officials" from table: "officials"
CREATE INDEX "official_unit_officials" ON "officials" ("unit_officials");
