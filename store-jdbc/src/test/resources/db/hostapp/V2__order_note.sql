ALTER TABLE ${host_prefix}orders ADD COLUMN note VARCHAR(100);
