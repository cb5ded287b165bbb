-- A host application's own migrations (portable SQL), beside which the tests run agentmanager's scripts.
CREATE TABLE ${host_prefix}orders (id INTEGER NOT NULL, CONSTRAINT ${host_prefix}orders_pk PRIMARY KEY (id));
INSERT INTO ${host_prefix}orders (id) VALUES (1);
