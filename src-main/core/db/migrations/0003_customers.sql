CREATE TABLE `categories` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`color` text DEFAULT 'gray' NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `companies` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`industry` text,
	`province` text,
	`city` text,
	`address` text,
	`website` text,
	`phone` text,
	`size` text,
	`source` text,
	`level` text,
	`category_id` text,
	`owner_id` text,
	`notes` text,
	`custom` text DEFAULT '{}' NOT NULL,
	`merged_into` text
);
--> statement-breakpoint
CREATE INDEX `companies_merged` ON `companies` (`merged_into`);--> statement-breakpoint
CREATE INDEX `companies_name` ON `companies` (`deleted_at`,`name_key`);--> statement-breakpoint
CREATE INDEX `companies_owner` ON `companies` (`owner_id`,`name_key`);--> statement-breakpoint
CREATE INDEX `companies_updated` ON `companies` (`deleted_at`,`updated_at`);--> statement-breakpoint
CREATE INDEX `companies_created` ON `companies` (`deleted_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `companies_city` ON `companies` (`deleted_at`,`city`);--> statement-breakpoint
CREATE INDEX `companies_industry` ON `companies` (`industry`);--> statement-breakpoint
CREATE INDEX `companies_province` ON `companies` (`province`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`family_name` text DEFAULT '' NOT NULL,
	`given_name` text DEFAULT '' NOT NULL,
	`name_key` text NOT NULL,
	`given_key` text DEFAULT '' NOT NULL,
	`title` text,
	`company_id` text,
	`phones` text DEFAULT '[]' NOT NULL,
	`emails` text DEFAULT '[]' NOT NULL,
	`ims` text DEFAULT '[]' NOT NULL,
	`phone_key` text,
	`email_key` text,
	`province` text,
	`city` text,
	`address` text,
	`birthday` text,
	`source` text,
	`category_id` text,
	`owner_id` text,
	`preferred_channel` text,
	`preferred_language` text,
	`preferences` text,
	`notes` text,
	`custom` text DEFAULT '{}' NOT NULL,
	`merged_into` text
);
--> statement-breakpoint
CREATE INDEX `contacts_merged` ON `contacts` (`merged_into`);--> statement-breakpoint
CREATE INDEX `contacts_name` ON `contacts` (`deleted_at`,`name_key`);--> statement-breakpoint
CREATE INDEX `contacts_given` ON `contacts` (`given_key`);--> statement-breakpoint
CREATE INDEX `contacts_company` ON `contacts` (`company_id`);--> statement-breakpoint
CREATE INDEX `contacts_owner` ON `contacts` (`owner_id`,`name_key`);--> statement-breakpoint
CREATE INDEX `contacts_owner_updated` ON `contacts` (`owner_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `contacts_updated` ON `contacts` (`deleted_at`,`updated_at`);--> statement-breakpoint
CREATE INDEX `contacts_created` ON `contacts` (`deleted_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `contacts_city` ON `contacts` (`deleted_at`,`city`);--> statement-breakpoint
CREATE INDEX `contacts_phone` ON `contacts` (`phone_key`);--> statement-breakpoint
CREATE INDEX `contacts_email` ON `contacts` (`email_key`);--> statement-breakpoint
CREATE TABLE `notes` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`record_id` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notes_record` ON `notes` (`record_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `record_tags` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`tag_id` text NOT NULL,
	`record_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `record_tags_tag` ON `record_tags` (`tag_id`,`record_id`);--> statement-breakpoint
CREATE INDEX `record_tags_record` ON `record_tags` (`record_id`);--> statement-breakpoint
CREATE TABLE `saved_views` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`entity` text NOT NULL,
	`name` text NOT NULL,
	`owner_id` text NOT NULL,
	`shared` integer DEFAULT false NOT NULL,
	`config` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`name` text NOT NULL,
	`color` text DEFAULT 'blue' NOT NULL
);
