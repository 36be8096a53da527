-- Claims take due deliveries in (next_attempt_at, delivery_id) order and stop after a window
-- of them: an index in that order lets them stop early instead of sorting every row of a
-- fan-out (which all share one next_attempt_at).
create index delivery_due_order on delivery (next_attempt_at, delivery_id) where failed_at is null;
drop index delivery_due;
