-- Contacts sort by name, then given name; the name indexes carry the given name key, so a
-- list filtered by a short word tests its given-name prefix on the entries of the name order
-- instead of building the set of every given name with that prefix.
DROP INDEX `contacts_name`;--> statement-breakpoint
DROP INDEX `contacts_owner`;--> statement-breakpoint
CREATE INDEX `contacts_name` ON `contacts` (`name_key`,`given_key`) WHERE "contacts"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_owner` ON `contacts` (`owner_id`,`name_key`,`given_key`) WHERE "contacts"."deleted_at" IS NULL;