-- 信访代办 (《沥海街道信访工作意见》二(三)): a matter handled through a proxy names the 代办员 who carries it, so the
-- 代办率 counts only matters someone is answerable for. A name without the flag, or the flag without a name, is refused.
ALTER TABLE matter ADD COLUMN proxy_name text;
-- Matters flagged before the name was kept say so, rather than carry an invented name.
UPDATE matter SET proxy_name = '（未登记）' WHERE is_proxy;
ALTER TABLE matter ADD CONSTRAINT matter_proxy_named
    CHECK ((is_proxy AND btrim(coalesce(proxy_name, '')) <> '') OR (NOT is_proxy AND proxy_name IS NULL));

-- 见面答复 / 答复时征询满意度: the unit asks the petitioner's satisfaction when it gives the reply, face to face or by phone.
-- The rating is an evaluation row of the matter, counted in the 满意率 beside the evaluation cards.
ALTER TABLE evaluation DROP CONSTRAINT evaluation_channel_check;
ALTER TABLE evaluation ADD CONSTRAINT evaluation_channel_check
    CHECK (channel IN ('card', 'phone', 'online', 'sms', 'face_to_face'));
