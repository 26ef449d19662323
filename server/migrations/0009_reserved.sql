-- Keeps the numbering whole on this branch: 0009 belongs to another change. When both are merged,
-- this file is deleted and that change's 0009 takes its place (this one creates nothing).
SELECT 1;
