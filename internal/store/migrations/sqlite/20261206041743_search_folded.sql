-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create index "citizencase_requested_channel" to table: "cases"
CREATE INDEX `citizencase_requested_channel` ON `cases` (`requested_channel`);
-- create "new_officials" table
CREATE TABLE `new_officials` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `full_name` text NOT NULL, `category` text NOT NULL, `position` text NOT NULL DEFAULT (''), `employee_code` text NOT NULL, `active_from` datetime NOT NULL, `active_to` datetime NULL, `full_name_folded` text NOT NULL DEFAULT (''), `unit_officials` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `officials_units_officials` FOREIGN KEY (`unit_officials`) REFERENCES `units` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "officials" to new temporary table "new_officials"
INSERT INTO `new_officials` (`id`, `created_at`, `updated_at`, `full_name`, `category`, `position`, `employee_code`, `active_from`, `active_to`, `unit_officials`) SELECT `id`, `created_at`, `updated_at`, `full_name`, `category`, `position`, `employee_code`, `active_from`, `active_to`, `unit_officials` FROM `officials`;
-- drop "officials" table after copying rows
DROP TABLE `officials`;
-- rename temporary table "new_officials" to "officials"
ALTER TABLE `new_officials` RENAME TO `officials`;
-- backfill the folded name with the expression internal/fold.SQL builds (a test holds them equal)
UPDATE "officials" SET "full_name_folded" = lower(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace("full_name", 'à', 'a'), 'À', 'a'), 'á', 'a'), 'Á', 'a'), 'ả', 'a'), 'Ả', 'a'), 'ã', 'a'), 'Ã', 'a'), 'ạ', 'a'), 'Ạ', 'a'), 'ă', 'a'), 'Ă', 'a'), 'ằ', 'a'), 'Ằ', 'a'), 'ắ', 'a'), 'Ắ', 'a'), 'ẳ', 'a'), 'Ẳ', 'a'), 'ẵ', 'a'), 'Ẵ', 'a'), 'ặ', 'a'), 'Ặ', 'a'), 'â', 'a'), 'Â', 'a'), 'ầ', 'a'), 'Ầ', 'a'), 'ấ', 'a'), 'Ấ', 'a'), 'ẩ', 'a'), 'Ẩ', 'a'), 'ẫ', 'a'), 'Ẫ', 'a'), 'ậ', 'a'), 'Ậ', 'a'), 'è', 'e'), 'È', 'e'), 'é', 'e'), 'É', 'e'), 'ẻ', 'e'), 'Ẻ', 'e'), 'ẽ', 'e'), 'Ẽ', 'e'), 'ẹ', 'e'), 'Ẹ', 'e'), 'ê', 'e'), 'Ê', 'e'), 'ề', 'e'), 'Ề', 'e'), 'ế', 'e'), 'Ế', 'e'), 'ể', 'e'), 'Ể', 'e'), 'ễ', 'e'), 'Ễ', 'e'), 'ệ', 'e'), 'Ệ', 'e'), 'ì', 'i'), 'Ì', 'i'), 'í', 'i'), 'Í', 'i'), 'ỉ', 'i'), 'Ỉ', 'i'), 'ĩ', 'i'), 'Ĩ', 'i'), 'ị', 'i'), 'Ị', 'i'), 'ò', 'o'), 'Ò', 'o'), 'ó', 'o'), 'Ó', 'o'), 'ỏ', 'o'), 'Ỏ', 'o'), 'õ', 'o'), 'Õ', 'o'), 'ọ', 'o'), 'Ọ', 'o'), 'ô', 'o'), 'Ô', 'o'), 'ồ', 'o'), 'Ồ', 'o'), 'ố', 'o'), 'Ố', 'o'), 'ổ', 'o'), 'Ổ', 'o'), 'ỗ', 'o'), 'Ỗ', 'o'), 'ộ', 'o'), 'Ộ', 'o'), 'ơ', 'o'), 'Ơ', 'o'), 'ờ', 'o'), 'Ờ', 'o'), 'ớ', 'o'), 'Ớ', 'o'), 'ở', 'o'), 'Ở', 'o'), 'ỡ', 'o'), 'Ỡ', 'o'), 'ợ', 'o'), 'Ợ', 'o'), 'ù', 'u'), 'Ù', 'u'), 'ú', 'u'), 'Ú', 'u'), 'ủ', 'u'), 'Ủ', 'u'), 'ũ', 'u'), 'Ũ', 'u'), 'ụ', 'u'), 'Ụ', 'u'), 'ư', 'u'), 'Ư', 'u'), 'ừ', 'u'), 'Ừ', 'u'), 'ứ', 'u'), 'Ứ', 'u'), 'ử', 'u'), 'Ử', 'u'), 'ữ', 'u'), 'Ữ', 'u'), 'ự', 'u'), 'Ự', 'u'), 'ỳ', 'y'), 'Ỳ', 'y'), 'ý', 'y'), 'Ý', 'y'), 'ỷ', 'y'), 'Ỷ', 'y'), 'ỹ', 'y'), 'Ỹ', 'y'), 'ỵ', 'y'), 'Ỵ', 'y'), 'đ', 'd'), 'Đ', 'd'));
-- create index "officials_employee_code_key" to table: "officials"
CREATE UNIQUE INDEX `officials_employee_code_key` ON `officials` (`employee_code`);
-- create index "official_full_name" to table: "officials"
CREATE INDEX `official_full_name` ON `officials` (`full_name`);
-- create index "official_full_name_folded" to table: "officials"
CREATE INDEX `official_full_name_folded` ON `officials` (`full_name_folded`);
-- create index "official_category" to table: "officials"
CREATE INDEX `official_category` ON `officials` (`category`);
-- create index "official_active_to" to table: "officials"
CREATE INDEX `official_active_to` ON `officials` (`active_to`);
-- create index "official_unit_officials" to table: "officials"
CREATE INDEX `official_unit_officials` ON `officials` (`unit_officials`);
-- create "new_units" table
CREATE TABLE `new_units` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `level` text NOT NULL, `kind` text NOT NULL, `code` text NULL, `name_folded` text NOT NULL DEFAULT (''), `district_units` text NULL, `province_units` text NOT NULL, `unit_children` text NULL, PRIMARY KEY (`id`), CONSTRAINT `units_districts_units` FOREIGN KEY (`district_units`) REFERENCES `districts` (`id`) ON DELETE SET NULL, CONSTRAINT `units_provinces_units` FOREIGN KEY (`province_units`) REFERENCES `provinces` (`id`) ON DELETE NO ACTION, CONSTRAINT `units_units_children` FOREIGN KEY (`unit_children`) REFERENCES `units` (`id`) ON DELETE SET NULL);
-- copy rows from old table "units" to new temporary table "new_units"
INSERT INTO `new_units` (`id`, `created_at`, `updated_at`, `name`, `level`, `kind`, `code`, `district_units`, `province_units`, `unit_children`) SELECT `id`, `created_at`, `updated_at`, `name`, `level`, `kind`, `code`, `district_units`, `province_units`, `unit_children` FROM `units`;
-- drop "units" table after copying rows
DROP TABLE `units`;
-- rename temporary table "new_units" to "units"
ALTER TABLE `new_units` RENAME TO `units`;
-- backfill the folded name with the expression internal/fold.SQL builds (a test holds them equal)
UPDATE "units" SET "name_folded" = lower(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace("name", 'à', 'a'), 'À', 'a'), 'á', 'a'), 'Á', 'a'), 'ả', 'a'), 'Ả', 'a'), 'ã', 'a'), 'Ã', 'a'), 'ạ', 'a'), 'Ạ', 'a'), 'ă', 'a'), 'Ă', 'a'), 'ằ', 'a'), 'Ằ', 'a'), 'ắ', 'a'), 'Ắ', 'a'), 'ẳ', 'a'), 'Ẳ', 'a'), 'ẵ', 'a'), 'Ẵ', 'a'), 'ặ', 'a'), 'Ặ', 'a'), 'â', 'a'), 'Â', 'a'), 'ầ', 'a'), 'Ầ', 'a'), 'ấ', 'a'), 'Ấ', 'a'), 'ẩ', 'a'), 'Ẩ', 'a'), 'ẫ', 'a'), 'Ẫ', 'a'), 'ậ', 'a'), 'Ậ', 'a'), 'è', 'e'), 'È', 'e'), 'é', 'e'), 'É', 'e'), 'ẻ', 'e'), 'Ẻ', 'e'), 'ẽ', 'e'), 'Ẽ', 'e'), 'ẹ', 'e'), 'Ẹ', 'e'), 'ê', 'e'), 'Ê', 'e'), 'ề', 'e'), 'Ề', 'e'), 'ế', 'e'), 'Ế', 'e'), 'ể', 'e'), 'Ể', 'e'), 'ễ', 'e'), 'Ễ', 'e'), 'ệ', 'e'), 'Ệ', 'e'), 'ì', 'i'), 'Ì', 'i'), 'í', 'i'), 'Í', 'i'), 'ỉ', 'i'), 'Ỉ', 'i'), 'ĩ', 'i'), 'Ĩ', 'i'), 'ị', 'i'), 'Ị', 'i'), 'ò', 'o'), 'Ò', 'o'), 'ó', 'o'), 'Ó', 'o'), 'ỏ', 'o'), 'Ỏ', 'o'), 'õ', 'o'), 'Õ', 'o'), 'ọ', 'o'), 'Ọ', 'o'), 'ô', 'o'), 'Ô', 'o'), 'ồ', 'o'), 'Ồ', 'o'), 'ố', 'o'), 'Ố', 'o'), 'ổ', 'o'), 'Ổ', 'o'), 'ỗ', 'o'), 'Ỗ', 'o'), 'ộ', 'o'), 'Ộ', 'o'), 'ơ', 'o'), 'Ơ', 'o'), 'ờ', 'o'), 'Ờ', 'o'), 'ớ', 'o'), 'Ớ', 'o'), 'ở', 'o'), 'Ở', 'o'), 'ỡ', 'o'), 'Ỡ', 'o'), 'ợ', 'o'), 'Ợ', 'o'), 'ù', 'u'), 'Ù', 'u'), 'ú', 'u'), 'Ú', 'u'), 'ủ', 'u'), 'Ủ', 'u'), 'ũ', 'u'), 'Ũ', 'u'), 'ụ', 'u'), 'Ụ', 'u'), 'ư', 'u'), 'Ư', 'u'), 'ừ', 'u'), 'Ừ', 'u'), 'ứ', 'u'), 'Ứ', 'u'), 'ử', 'u'), 'Ử', 'u'), 'ữ', 'u'), 'Ữ', 'u'), 'ự', 'u'), 'Ự', 'u'), 'ỳ', 'y'), 'Ỳ', 'y'), 'ý', 'y'), 'Ý', 'y'), 'ỷ', 'y'), 'Ỷ', 'y'), 'ỹ', 'y'), 'Ỹ', 'y'), 'ỵ', 'y'), 'Ỵ', 'y'), 'đ', 'd'), 'Đ', 'd'));
-- create index "unit_name" to table: "units"
CREATE INDEX `unit_name` ON `units` (`name`);
-- create index "unit_name_folded" to table: "units"
CREATE INDEX `unit_name_folded` ON `units` (`name_folded`);
-- create index "unit_level" to table: "units"
CREATE INDEX `unit_level` ON `units` (`level`);
-- create index "unit_kind" to table: "units"
CREATE INDEX `unit_kind` ON `units` (`kind`);
-- create index "unit_code" to table: "units"
CREATE INDEX `unit_code` ON `units` (`code`);
-- create index "unit_province_units" to table: "units"
CREATE INDEX `unit_province_units` ON `units` (`province_units`);
-- create index "unit_district_units" to table: "units"
CREATE INDEX `unit_district_units` ON `units` (`district_units`);
-- create index "unit_unit_children" to table: "units"
CREATE INDEX `unit_unit_children` ON `units` (`unit_children`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "unit_unit_children" to table: "units"
DROP INDEX `unit_unit_children`;
-- reverse: create index "unit_district_units" to table: "units"
DROP INDEX `unit_district_units`;
-- reverse: create index "unit_province_units" to table: "units"
DROP INDEX `unit_province_units`;
-- reverse: create index "unit_code" to table: "units"
DROP INDEX `unit_code`;
-- reverse: create index "unit_kind" to table: "units"
DROP INDEX `unit_kind`;
-- reverse: create index "unit_level" to table: "units"
DROP INDEX `unit_level`;
-- reverse: create index "unit_name_folded" to table: "units"
DROP INDEX `unit_name_folded`;
-- reverse: create index "unit_name" to table: "units"
DROP INDEX `unit_name`;
-- reverse: create "new_units" table
DROP TABLE `new_units`;
-- reverse: create index "official_unit_officials" to table: "officials"
DROP INDEX `official_unit_officials`;
-- reverse: create index "official_active_to" to table: "officials"
DROP INDEX `official_active_to`;
-- reverse: create index "official_category" to table: "officials"
DROP INDEX `official_category`;
-- reverse: create index "official_full_name_folded" to table: "officials"
DROP INDEX `official_full_name_folded`;
-- reverse: create index "official_full_name" to table: "officials"
DROP INDEX `official_full_name`;
-- reverse: create index "officials_employee_code_key" to table: "officials"
DROP INDEX `officials_employee_code_key`;
-- reverse: create "new_officials" table
DROP TABLE `new_officials`;
-- reverse: create index "citizencase_requested_channel" to table: "cases"
DROP INDEX `citizencase_requested_channel`;
