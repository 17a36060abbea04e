-- +goose Up
-- Search (issue 11): folded copies of officials' and units' names, backfilled here in SQL with the
-- expression internal/fold.SQL builds (a test holds them equal), indexed with pg_trgm for LIKE.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- create index "citizencase_requested_channel" to table: "cases"
CREATE INDEX "citizencase_requested_channel" ON "cases" ("requested_channel");
-- modify "officials" table
ALTER TABLE "officials" ADD COLUMN "full_name_folded" character varying NOT NULL DEFAULT '';
UPDATE "officials" SET "full_name_folded" = lower(translate(normalize("full_name", NFC), 'àÀáÁảẢãÃạẠăĂằẰắẮẳẲẵẴặẶâÂầẦấẤẩẨẫẪậẬèÈéÉẻẺẽẼẹẸêÊềỀếẾểỂễỄệỆìÌíÍỉỈĩĨịỊòÒóÓỏỎõÕọỌôÔồỒốỐổỔỗỖộỘơƠờỜớỚởỞỡỠợỢùÙúÚủỦũŨụỤưƯừỪứỨửỬữỮựỰỳỲýÝỷỶỹỸỵỴđĐ', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeeeeeeeiiiiiiiiiioooooooooooooooooooooooooooooooooouuuuuuuuuuuuuuuuuuuuuuyyyyyyyyyydd'));
-- create index "official_full_name_folded" to table: "officials"
CREATE INDEX "official_full_name_folded" ON "officials" USING gin ("full_name_folded" gin_trgm_ops);
-- modify "units" table
ALTER TABLE "units" ADD COLUMN "name_folded" character varying NOT NULL DEFAULT '';
UPDATE "units" SET "name_folded" = lower(translate(normalize("name", NFC), 'àÀáÁảẢãÃạẠăĂằẰắẮẳẲẵẴặẶâÂầẦấẤẩẨẫẪậẬèÈéÉẻẺẽẼẹẸêÊềỀếẾểỂễỄệỆìÌíÍỉỈĩĨịỊòÒóÓỏỎõÕọỌôÔồỒốỐổỔỗỖộỘơƠờỜớỚởỞỡỠợỢùÙúÚủỦũŨụỤưƯừỪứỨửỬữỮựỰỳỲýÝỷỶỹỸỵỴđĐ', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeeeeeeeiiiiiiiiiioooooooooooooooooooooooooooooooooouuuuuuuuuuuuuuuuuuuuuuyyyyyyyyyydd'));
-- create index "unit_name_folded" to table: "units"
CREATE INDEX "unit_name_folded" ON "units" USING gin ("name_folded" gin_trgm_ops);

-- +goose Down
-- reverse: create index "unit_name_folded" to table: "units"
DROP INDEX "unit_name_folded";
-- reverse: modify "units" table
ALTER TABLE "units" DROP COLUMN "name_folded";
-- reverse: create index "official_full_name_folded" to table: "officials"
DROP INDEX "official_full_name_folded";
-- reverse: modify "officials" table
ALTER TABLE "officials" DROP COLUMN "full_name_folded";
-- reverse: create index "citizencase_requested_channel" to table: "cases"
DROP INDEX "citizencase_requested_channel";
