/**
 * Tables whose change log is shown to users as a record's history (the
 * customer timeline: every field change, who, when, old -> new). Sync's
 * change-log compaction keeps their entries whole, so that history stays
 * complete on every desktop; other tables are compacted once settled.
 * A business area that reads its records' history from the change log adds
 * its tables here.
 */
export const HISTORY_TABLES: ReadonlySet<string> = new Set(['contacts', 'companies', 'record_tags']);
