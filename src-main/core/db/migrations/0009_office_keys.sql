CREATE TABLE `sync_office_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`deleted_at` integer,
	`epoch` text NOT NULL,
	`device_id` text NOT NULL,
	`signer` text NOT NULL,
	`sealed` text NOT NULL,
	`signature` text NOT NULL
);
