package dev.agentmanager.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.agentmanager.exception.AgentStoreException;
import java.util.List;

/**
 * {@link JdbcAgentStoreBuilder#build()} found the store's schema missing, older than this version of the store
 * needs, or created before versions were recorded. Nothing was written. The message names the version found,
 * the one needed and the scripts to run (or {@link JdbcAgentStoreBuilder#createSchemaIfMissing()}).
 */
public final class SchemaVersionException extends AgentStoreException {
    private static final long serialVersionUID = 1L;

    private final String tablePrefix;
    private final int foundVersion;
    private final boolean versionRecorded;
    private final int requiredVersion;
    private final List<String> missingScripts;

    /**
     * A schema that does not meet the store's version.
     *
     * @param tablePrefix the store's table prefix
     * @param foundVersion the version the database holds, 0 if none
     * @param versionRecorded false when the tables carry no version record
     * @param requiredVersion the version the store needs
     * @param missingScripts the scripts to run, in order, by file name
     * @param scriptLocation where they lie, e.g. {@code classpath:db/agentmanager/postgresql}
     */
    public SchemaVersionException(
            String tablePrefix,
            int foundVersion,
            boolean versionRecorded,
            int requiredVersion,
            List<String> missingScripts,
            String scriptLocation) {
        super(message(tablePrefix, foundVersion, versionRecorded, requiredVersion, missingScripts, scriptLocation));
        this.tablePrefix = requireNonNull(tablePrefix, "tablePrefix");
        this.foundVersion = foundVersion;
        this.versionRecorded = versionRecorded;
        this.requiredVersion = requiredVersion;
        this.missingScripts = List.copyOf(missingScripts);
    }

    private static String message(
            String prefix, int found, boolean recorded, int required, List<String> missing, String location) {
        if (found > 0 && !recorded) {
            return "agentmanager tables with prefix '" + prefix + "' hold schema V" + found
                    + " but no version record (they were created before versions were recorded): call"
                    + " createSchemaIfMissing() once, or run the scripts from V1 with Flyway (they are idempotent and"
                    + " record their versions); this store needs V" + required;
        }
        String run = "run " + String.join(", ", missing) + " from " + location + " (or createSchemaIfMissing())";
        if (found == 0) {
            return "agentmanager schema with table prefix '" + prefix + "' not found, this store needs V" + required
                    + ": " + run;
        }
        return "agentmanager schema with table prefix '" + prefix + "' is at V" + found + ", this store needs V"
                + required + ": " + run;
    }

    /** The table prefix the store was built with. */
    public String tablePrefix() {
        return tablePrefix;
    }

    /** The version the database holds; 0 when the store's tables are missing. */
    public int foundVersion() {
        return foundVersion;
    }

    /**
     * False when the tables were created before versions were recorded ({@link #foundVersion()} is then read from the
     * tables), and when there are none.
     */
    public boolean versionRecorded() {
        return versionRecorded;
    }

    /** The version this store needs. */
    public int requiredVersion() {
        return requiredVersion;
    }

    /** The scripts to run, in order, by file name. */
    public List<String> missingScripts() {
        return missingScripts;
    }
}
