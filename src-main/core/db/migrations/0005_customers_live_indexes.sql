DROP INDEX `companies_name`;--> statement-breakpoint
DROP INDEX `companies_owner`;--> statement-breakpoint
DROP INDEX `companies_updated`;--> statement-breakpoint
DROP INDEX `companies_created`;--> statement-breakpoint
DROP INDEX `companies_city`;--> statement-breakpoint
DROP INDEX `companies_industry`;--> statement-breakpoint
DROP INDEX `companies_province`;--> statement-breakpoint
CREATE INDEX `companies_level` ON `companies` (`level`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_deleted` ON `companies` (`deleted_at`) WHERE "companies"."deleted_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `companies_name` ON `companies` (`name_key`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_owner` ON `companies` (`owner_id`,`name_key`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_updated` ON `companies` (`updated_at`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_created` ON `companies` (`created_at`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_city` ON `companies` (`city`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_industry` ON `companies` (`industry`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `companies_province` ON `companies` (`province`) WHERE "companies"."deleted_at" IS NULL;--> statement-breakpoint
DROP INDEX `contacts_name`;--> statement-breakpoint
DROP INDEX `contacts_given`;--> statement-breakpoint
DROP INDEX `contacts_owner`;--> statement-breakpoint
DROP INDEX `contacts_owner_updated`;--> statement-breakpoint
DROP INDEX `contacts_updated`;--> statement-breakpoint
DROP INDEX `contacts_created`;--> statement-breakpoint
DROP INDEX `contacts_city`;--> statement-breakpoint
DROP INDEX `contacts_phone`;--> statement-breakpoint
DROP INDEX `contacts_email`;--> statement-breakpoint
ALTER TABLE `contacts` ADD `company_key` text;--> statement-breakpoint
CREATE INDEX `contacts_company_name` ON `contacts` (`company_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_province` ON `contacts` (`province`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_title` ON `contacts` (`title`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_deleted` ON `contacts` (`deleted_at`) WHERE "contacts"."deleted_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `contacts_name` ON `contacts` (`name_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_given` ON `contacts` (`given_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_owner` ON `contacts` (`owner_id`,`name_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_owner_updated` ON `contacts` (`owner_id`,`updated_at`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_updated` ON `contacts` (`updated_at`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_created` ON `contacts` (`created_at`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_city` ON `contacts` (`city`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_phone` ON `contacts` (`phone_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_email` ON `contacts` (`email_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
UPDATE `contacts` SET `company_key` = (SELECT `name_key` FROM `companies` WHERE `id` = `contacts`.`company_id`) WHERE `company_id` IS NOT NULL;
--> statement-breakpoint
-- company_key is derived from local state only (never written by the app, never logged), so every device computes the same value.
CREATE TRIGGER `contacts_company_key_insert` AFTER INSERT ON `contacts` WHEN new.company_id IS NOT NULL
BEGIN
  UPDATE `contacts` SET `company_key` = (SELECT `name_key` FROM `companies` WHERE `id` = new.company_id) WHERE `id` = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_company_key_update` AFTER UPDATE OF `company_id` ON `contacts`
BEGIN
  UPDATE `contacts` SET `company_key` = (SELECT `name_key` FROM `companies` WHERE `id` = new.company_id) WHERE `id` = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_name_key_update` AFTER UPDATE OF `name_key` ON `companies`
BEGIN
  UPDATE `contacts` SET `company_key` = new.name_key WHERE `company_id` = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_name_key_insert` AFTER INSERT ON `companies`
BEGIN
  UPDATE `contacts` SET `company_key` = new.name_key WHERE `company_id` = new.id;
END;
