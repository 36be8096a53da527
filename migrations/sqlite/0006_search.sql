-- Search: full-text indexes (FTS5) over what the organization publishes and what the
-- organizations it follows publish, in every language, kept in sync by triggers.
--
-- Text is folded the same way when it is indexed and when it is searched (`domain::search`):
-- the tokenizer removes Latin diacritics (école = ecole) and lower-cases; before that, Arabic
-- short vowels (U+064B-U+0652, U+0670) and tatweel (U+0640) are removed and the alef forms
-- (U+0622, U+0623, U+0625) written as a bare alef (U+0627), because the tokenizer leaves
-- Arabic marks alone. Marks (M*) are token characters so that a mark never splits a word.

-- Received HTML as plain text (tags and character references removed), written by
-- `domain::network` when it stores a publication, so that markup is never searched.
alter table remote_publication add column search_text text not null default '';
update remote_publication set search_text = (
    with recursive strip (rest, done) as (
        select remote_publication.summary_html || ' ' || remote_publication.content_html, ''
        union all
        select case when instr(rest, '<') = 0 then ''
                    else substr(rest, instr(rest, '<') + instr(substr(rest, instr(rest, '<')), '>'))
               end,
               case when instr(rest, '<') = 0 then done || rest
                    else done || substr(rest, 1, instr(rest, '<') - 1) || ' '
               end
        from strip where rest <> ''
    )
    select replace(replace(replace(replace(replace(replace(replace(done,
        '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''),
        '&#x27;', ''''), '&amp;', '&')
    from strip where rest = ''
) where deleted_at is null;

-- One row per publication, rowid = publication_id, its languages together: a publication is
-- found once whatever language matched, and deleted publications (no texts) have no row.
create virtual table publication_search using fts5 (
    title,
    summary,
    body,
    tokenize = 'unicode61 remove_diacritics 2 categories ''L* N* Co M*'''
);

-- What `publication_search` holds for each publication: its texts, folded.
create view publication_search_source (publication_id, title, summary, body) as
select publication_id,
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(group_concat(title, char(10)),
        char(0x640), ''), char(0x64b), ''), char(0x64c), ''), char(0x64d), ''), char(0x64e), ''),
        char(0x64f), ''), char(0x650), ''), char(0x651), ''), char(0x652), ''), char(0x670), ''),
        char(0x622), char(0x627)), char(0x623), char(0x627)), char(0x625), char(0x627)),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(group_concat(summary, char(10)),
        char(0x640), ''), char(0x64b), ''), char(0x64c), ''), char(0x64d), ''), char(0x64e), ''),
        char(0x64f), ''), char(0x650), ''), char(0x651), ''), char(0x652), ''), char(0x670), ''),
        char(0x622), char(0x627)), char(0x623), char(0x627)), char(0x625), char(0x627)),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(group_concat(body_markdown, char(10)),
        char(0x640), ''), char(0x64b), ''), char(0x64c), ''), char(0x64d), ''), char(0x64e), ''),
        char(0x64f), ''), char(0x650), ''), char(0x651), ''), char(0x652), ''), char(0x670), ''),
        char(0x622), char(0x627)), char(0x623), char(0x627)), char(0x625), char(0x627))
from publication_text
group by publication_id;

insert into publication_search (rowid, title, summary, body)
    select publication_id, title, summary, body from publication_search_source;

-- Any change to a publication's texts rebuilds its row.
create trigger publication_text_search_insert after insert on publication_text begin
    delete from publication_search where rowid = new.publication_id;
    insert into publication_search (rowid, title, summary, body)
        select publication_id, title, summary, body from publication_search_source
        where publication_id = new.publication_id;
end;

create trigger publication_text_search_update after update on publication_text begin
    delete from publication_search where rowid in (old.publication_id, new.publication_id);
    insert into publication_search (rowid, title, summary, body)
        select publication_id, title, summary, body from publication_search_source
        where publication_id in (old.publication_id, new.publication_id);
end;

create trigger publication_text_search_delete after delete on publication_text begin
    delete from publication_search where rowid = old.publication_id;
    insert into publication_search (rowid, title, summary, body)
        select publication_id, title, summary, body from publication_search_source
        where publication_id = old.publication_id;
end;

-- One row per received publication that is not erased, rowid = remote_publication_id.
create virtual table remote_publication_search using fts5 (
    name,
    body,
    tokenize = 'unicode61 remove_diacritics 2 categories ''L* N* Co M*'''
);

-- What `remote_publication_search` holds for each received publication, folded.
create view remote_publication_search_source (remote_publication_id, name, body) as
select remote_publication_id,
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(name,
        char(0x640), ''), char(0x64b), ''), char(0x64c), ''), char(0x64d), ''), char(0x64e), ''),
        char(0x64f), ''), char(0x650), ''), char(0x651), ''), char(0x652), ''), char(0x670), ''),
        char(0x622), char(0x627)), char(0x623), char(0x627)), char(0x625), char(0x627)),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(search_text,
        char(0x640), ''), char(0x64b), ''), char(0x64c), ''), char(0x64d), ''), char(0x64e), ''),
        char(0x64f), ''), char(0x650), ''), char(0x651), ''), char(0x652), ''), char(0x670), ''),
        char(0x622), char(0x627)), char(0x623), char(0x627)), char(0x625), char(0x627))
from remote_publication
where deleted_at is null;

insert into remote_publication_search (rowid, name, body)
    select remote_publication_id, name, body from remote_publication_search_source;

create trigger remote_publication_search_insert after insert on remote_publication begin
    insert into remote_publication_search (rowid, name, body)
        select remote_publication_id, name, body from remote_publication_search_source
        where remote_publication_id = new.remote_publication_id;
end;

create trigger remote_publication_search_update after update on remote_publication begin
    delete from remote_publication_search
        where rowid in (old.remote_publication_id, new.remote_publication_id);
    insert into remote_publication_search (rowid, name, body)
        select remote_publication_id, name, body from remote_publication_search_source
        where remote_publication_id in (old.remote_publication_id, new.remote_publication_id);
end;

create trigger remote_publication_search_delete after delete on remote_publication begin
    delete from remote_publication_search where rowid = old.remote_publication_id;
end;
