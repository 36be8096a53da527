-- Hashtags lower-cased by Jisr itself (SQLite's lower() only knows ASCII), for the tag pages.
-- Rows written before this migration get SQLite's lower(), which is right for ASCII tags; any
-- edit rewrites the column.
alter table publication add column hashtags_lower text not null default '[]';
update publication set hashtags_lower = lower(hashtags);
