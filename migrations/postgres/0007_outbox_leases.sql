-- The outbox's claims carry an owner token: a message is marked sent or failed only by the
-- sender whose claim is current, so a slow sender whose lease expired (the message was claimed
-- again by another instance) cannot overwrite the new sender's result. `delivered_ref` keeps
-- where the message landed (Discord: channel:message), for inspection and retries.
ALTER TABLE outbox ADD COLUMN lease TEXT;
ALTER TABLE outbox ADD COLUMN delivered_ref TEXT;
