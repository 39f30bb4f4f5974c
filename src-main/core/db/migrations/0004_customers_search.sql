-- Full-text search over companies and contacts: FTS5 with the trigram tokenizer
-- (Chinese, partial words, partial phone numbers and emails). `search_docs` maps
-- each record to a stable integer rowid; triggers keep the index in step with
-- every write in the same transaction, whichever path wrote the row (local edit or sync).
CREATE TABLE `search_docs` (
  `rowid` integer PRIMARY KEY,
  `kind` text NOT NULL,
  `ref_id` text NOT NULL UNIQUE
);
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_fts` USING fts5(body, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
CREATE TRIGGER `contacts_search_insert` AFTER INSERT ON `contacts`
BEGIN
  INSERT INTO search_docs (kind, ref_id) VALUES ('contact', new.id);
  INSERT INTO search_fts (rowid, body)
    SELECT last_insert_rowid(),
      new.family_name || new.given_name || ' ' ||
      coalesce(new.title, '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.address'), ' ') FROM json_each(new.emails)), '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.number'), ' ') FROM json_each(new.phones)), '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.handle'), ' ') FROM json_each(new.ims)), '')
    WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF family_name, given_name, title, emails, phones, ims, deleted_at ON `contacts`
BEGIN
  DELETE FROM search_fts WHERE rowid = (SELECT rowid FROM search_docs WHERE ref_id = old.id);
  INSERT INTO search_fts (rowid, body)
    SELECT (SELECT rowid FROM search_docs WHERE ref_id = new.id),
      new.family_name || new.given_name || ' ' ||
      coalesce(new.title, '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.address'), ' ') FROM json_each(new.emails)), '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.number'), ' ') FROM json_each(new.phones)), '') || ' ' ||
      coalesce((SELECT group_concat(json_extract(value, '$.handle'), ' ') FROM json_each(new.ims)), '')
    WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts`
BEGIN
  DELETE FROM search_fts WHERE rowid = (SELECT rowid FROM search_docs WHERE ref_id = old.id);
  DELETE FROM search_docs WHERE ref_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_insert` AFTER INSERT ON `companies`
BEGIN
  INSERT INTO search_docs (kind, ref_id) VALUES ('company', new.id);
  INSERT INTO search_fts (rowid, body)
    SELECT last_insert_rowid(),
      new.name || ' ' || coalesce(new.phone, '') || ' ' || coalesce(new.website, '') || ' ' || coalesce(new.city, '')
    WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_update` AFTER UPDATE OF name, phone, website, city, deleted_at ON `companies`
BEGIN
  DELETE FROM search_fts WHERE rowid = (SELECT rowid FROM search_docs WHERE ref_id = old.id);
  INSERT INTO search_fts (rowid, body)
    SELECT (SELECT rowid FROM search_docs WHERE ref_id = new.id),
      new.name || ' ' || coalesce(new.phone, '') || ' ' || coalesce(new.website, '') || ' ' || coalesce(new.city, '')
    WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_search_delete` AFTER DELETE ON `companies`
BEGIN
  DELETE FROM search_fts WHERE rowid = (SELECT rowid FROM search_docs WHERE ref_id = old.id);
  DELETE FROM search_docs WHERE ref_id = old.id;
END;
