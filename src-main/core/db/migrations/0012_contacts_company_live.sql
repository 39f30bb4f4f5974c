-- The company index of contacts carries deleted_at, so the live contacts of a company, or of
-- an industry's companies, are counted on the index alone (a row read per contact before).
DROP INDEX `contacts_company`;--> statement-breakpoint
CREATE INDEX `contacts_company` ON `contacts` (`company_id`,`deleted_at`);