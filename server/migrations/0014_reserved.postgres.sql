-- Number 0014 is taken by another change of the same release; this file stands in for it on this branch.
SELECT 1;
