-- The asker's answer to « Votre question porte-t-elle sur … ? » (the bot's first hit, stored in
-- top_id and top_title): 'yes' (answered by the bot after confirmation) or 'no' (escalated
-- with the bot's guess attached).
ALTER TABLE questions ADD COLUMN confirmation TEXT;
