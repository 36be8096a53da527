-- Which process holds a delivery's lease, so that a process stopping cleanly can hand back
-- the deliveries it claimed but did not finish, instead of leaving them for the lease to end.
alter table delivery add column claimed_by text;
