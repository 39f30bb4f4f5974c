CREATE TABLE `sync_compacted` (
	`hlc` text PRIMARY KEY NOT NULL
);
