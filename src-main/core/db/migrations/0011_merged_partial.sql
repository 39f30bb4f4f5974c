-- The merged-into indexes hold only merged records. As plain indexes of a column that is NULL
-- almost everywhere, their planner statistics said "merged_into = ?" matches every row, and a
-- record's timeline then read the whole table to find the records merged into it.
DROP INDEX `companies_merged`;--> statement-breakpoint
CREATE INDEX `companies_merged` ON `companies` (`merged_into`) WHERE "companies"."merged_into" IS NOT NULL;--> statement-breakpoint
DROP INDEX `contacts_merged`;--> statement-breakpoint
CREATE INDEX `contacts_merged` ON `contacts` (`merged_into`) WHERE "contacts"."merged_into" IS NOT NULL;