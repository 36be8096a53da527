-- The categories of Global Compact Objective 19 a publication serves (1 to 9, in the order of
-- the Objective 19 reporting mechanism), as a JSON array like `gcm_objectives`.
alter table publication add column gcm_categories text not null default '[]';
