-- +goose Up
-- modify "acknowledgements" table
ALTER TABLE "acknowledgements" ADD COLUMN "scope_unit_id" character varying NULL, ADD COLUMN "scope_province_id" character varying NULL;
-- create index "acknowledgement_scope_province_id_id" to table: "acknowledgements"
CREATE INDEX "acknowledgement_scope_province_id_id" ON "acknowledgements" ("scope_province_id", "id");
-- create index "acknowledgement_scope_unit_id_id" to table: "acknowledgements"
CREATE INDEX "acknowledgement_scope_unit_id_id" ON "acknowledgements" ("scope_unit_id", "id");
-- modify "commendations" table
ALTER TABLE "commendations" ADD COLUMN "scope_unit_id" character varying NULL, ADD COLUMN "scope_province_id" character varying NULL;
-- create index "commendation_scope_province_id_id" to table: "commendations"
CREATE INDEX "commendation_scope_province_id_id" ON "commendations" ("scope_province_id", "id");
-- create index "commendation_scope_unit_id_id" to table: "commendations"
CREATE INDEX "commendation_scope_unit_id_id" ON "commendations" ("scope_unit_id", "id");
-- modify "pledges" table
ALTER TABLE "pledges" ADD COLUMN "scope_unit_id" character varying NULL, ADD COLUMN "scope_province_id" character varying NULL;
-- create index "pledge_scope_province_id_id" to table: "pledges"
CREATE INDEX "pledge_scope_province_id_id" ON "pledges" ("scope_province_id", "id");
-- create index "pledge_scope_unit_id_id" to table: "pledges"
CREATE INDEX "pledge_scope_unit_id_id" ON "pledges" ("scope_unit_id", "id");
-- modify "self_assessments" table
ALTER TABLE "self_assessments" ADD COLUMN "scope_unit_id" character varying NULL, ADD COLUMN "scope_province_id" character varying NULL;
-- create index "selfassessment_scope_province_id_id" to table: "self_assessments"
CREATE INDEX "selfassessment_scope_province_id_id" ON "self_assessments" ("scope_province_id", "id");
-- create index "selfassessment_scope_unit_id_id" to table: "self_assessments"
CREATE INDEX "selfassessment_scope_unit_id_id" ON "self_assessments" ("scope_unit_id", "id");

-- +goose Down
-- reverse: create index "selfassessment_scope_unit_id_id" to table: "self_assessments"
DROP INDEX "selfassessment_scope_unit_id_id";
-- reverse: create index "selfassessment_scope_province_id_id" to table: "self_assessments"
DROP INDEX "selfassessment_scope_province_id_id";
-- reverse: modify "self_assessments" table
ALTER TABLE "self_assessments" DROP COLUMN "scope_province_id", DROP COLUMN "scope_unit_id";
-- reverse: create index "pledge_scope_unit_id_id" to table: "pledges"
DROP INDEX "pledge_scope_unit_id_id";
-- reverse: create index "pledge_scope_province_id_id" to table: "pledges"
DROP INDEX "pledge_scope_province_id_id";
-- reverse: modify "pledges" table
ALTER TABLE "pledges" DROP COLUMN "scope_province_id", DROP COLUMN "scope_unit_id";
-- reverse: create index "commendation_scope_unit_id_id" to table: "commendations"
DROP INDEX "commendation_scope_unit_id_id";
-- reverse: create index "commendation_scope_province_id_id" to table: "commendations"
DROP INDEX "commendation_scope_province_id_id";
-- reverse: modify "commendations" table
ALTER TABLE "commendations" DROP COLUMN "scope_province_id", DROP COLUMN "scope_unit_id";
-- reverse: create index "acknowledgement_scope_unit_id_id" to table: "acknowledgements"
DROP INDEX "acknowledgement_scope_unit_id_id";
-- reverse: create index "acknowledgement_scope_province_id_id" to table: "acknowledgements"
DROP INDEX "acknowledgement_scope_province_id_id";
-- reverse: modify "acknowledgements" table
ALTER TABLE "acknowledgements" DROP COLUMN "scope_province_id", DROP COLUMN "scope_unit_id";
