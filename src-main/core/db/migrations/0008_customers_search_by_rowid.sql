-- One trigram index per kind, keyed by the record's own rowid (replaces search_fts
-- and its search_docs map). A match is then a set of rowids that every index of the
-- table also carries, so a list can test it while reading its sort or filter index,
-- without visiting rows, and companies and contacts never scan each other's matches.
-- Rowids of tables with indexes survive VACUUM and `INSERT ... SELECT *` copies; a
-- migration that rebuilds `contacts` or `companies` into a new table must refill
-- these indexes as the last two statements of this file do, and recreate the triggers.
DROP TRIGGER `contacts_search_insert`;
--> statement-breakpoint
DROP TRIGGER `contacts_search_update`;
--> statement-breakpoint
DROP TRIGGER `contacts_search_delete`;
--> statement-breakpoint
DROP TRIGGER `companies_search_insert`;
--> statement-breakpoint
DROP TRIGGER `companies_search_update`;
--> statement-breakpoint
DROP TRIGGER `companies_search_delete`;
--> statement-breakpoint
DROP TABLE `search_fts`;
--> statement-breakpoint
DROP TABLE `search_docs`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(body, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
CREATE VIRTUAL TABLE `companies_fts` USING fts5(body, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
-- The text each index holds, in one place. Only live rows: a match is never a deleted record.
CREATE VIEW `contacts_search_text` AS
  SELECT rowid AS k,
    family_name || given_name || ' ' ||
    coalesce(title, '') || ' ' ||
    coalesce((SELECT group_concat(json_extract(value, '$.address'), ' ') FROM json_each(emails)), '') || ' ' ||
    coalesce((SELECT group_concat(json_extract(value, '$.number'), ' ') FROM json_each(phones)), '') || ' ' ||
    coalesce((SELECT group_concat(json_extract(value, '$.handle'), ' ') FROM json_each(ims)), '') AS body
  FROM contacts WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE VIEW `companies_search_text` AS
  SELECT rowid AS k, name || ' ' || coalesce(phone, '') || ' ' || coalesce(website, '') || ' ' || coalesce(city, '') AS body
  FROM companies WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_insert` AFTER INSERT ON `contacts`
BEGIN
  INSERT INTO contacts_fts (rowid, body) SELECT k, body FROM contacts_search_text WHERE k = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF family_name, given_name, title, emails, phones, ims, deleted_at ON `contacts`
BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.rowid;
  INSERT INTO contacts_fts (rowid, body) SELECT k, body FROM contacts_search_text WHERE k = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts`
BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_insert` AFTER INSERT ON `companies`
BEGIN
  INSERT INTO companies_fts (rowid, body) SELECT k, body FROM companies_search_text WHERE k = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_update` AFTER UPDATE OF name, phone, website, city, deleted_at ON `companies`
BEGIN
  DELETE FROM companies_fts WHERE rowid = old.rowid;
  INSERT INTO companies_fts (rowid, body) SELECT k, body FROM companies_search_text WHERE k = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_delete` AFTER DELETE ON `companies`
BEGIN
  DELETE FROM companies_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
-- The refills run in slices of rowids (see migrate.ts), so a large office sees progress.
-- harbor:slice-by-rowid contacts
INSERT INTO contacts_fts (rowid, body) SELECT k, body FROM contacts_search_text WHERE k BETWEEN :first AND :last;
--> statement-breakpoint
-- harbor:slice-by-rowid companies
INSERT INTO companies_fts (rowid, body) SELECT k, body FROM companies_search_text WHERE k BETWEEN :first AND :last;
