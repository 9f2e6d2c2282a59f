-- The seeded rules named two local documents loosely; cite them by the titles docs/sources.md defines, so a reader of
-- the rules page can find them. Only the citation text changes: lengths and versions, and so every clock, stay as
-- they were.
UPDATE deadline_rule SET source = '《沥海街道信访工作意见》一(五)' WHERE source = '沥海街道信访工作意见 一(五)';
UPDATE deadline_rule SET source = '《沥海街道信访工作意见》一(二)' WHERE source = '沥海街道信访工作意见 一(二)';
UPDATE deadline_rule SET source = '《泗县联合接访工作方案》四(五)' WHERE source = '联合接访实施方案 四(五)';
