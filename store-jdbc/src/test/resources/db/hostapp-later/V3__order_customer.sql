-- The host's next migration, written after agentmanager's scripts ran in its migration set.
ALTER TABLE ${host_prefix}orders ADD COLUMN customer VARCHAR(100);
