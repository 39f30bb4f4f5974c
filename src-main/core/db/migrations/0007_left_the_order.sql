CREATE TABLE `sync_removed_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`name` text NOT NULL,
	`fingerprint` text NOT NULL
);
