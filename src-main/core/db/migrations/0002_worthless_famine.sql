CREATE TABLE `sync_conflicts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tbl` text NOT NULL,
	`row_id` text NOT NULL,
	`col` text NOT NULL,
	`kind` text NOT NULL,
	`lost_value` text,
	`lost_hlc` text NOT NULL,
	`won_value` text,
	`won_hlc` text NOT NULL,
	`detected_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_conflicts_once` ON `sync_conflicts` (`tbl`,`row_id`,`col`,`lost_hlc`);--> statement-breakpoint
CREATE INDEX `sync_conflicts_open` ON `sync_conflicts` (`resolved_at`,`detected_at`);--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`source` text PRIMARY KEY NOT NULL,
	`cursor` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_entry_base` (
	`hlc` text PRIMARY KEY NOT NULL,
	`base` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_peers` (
	`device_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`fingerprint` text NOT NULL,
	`cert_pem` text NOT NULL,
	`address` text,
	`added_at` integer NOT NULL,
	`removed_at` integer,
	`last_contact_at` integer,
	`last_error` text,
	`schema_version` integer
);
--> statement-breakpoint
CREATE TABLE `sync_pending` (
	`tbl` text NOT NULL,
	`row_id` text NOT NULL,
	PRIMARY KEY(`tbl`, `row_id`)
);
