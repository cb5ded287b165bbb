package dev.agentmanager.ca.bouncycastle.internal;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The authority's append-only record of what it issued and revoked, in a state directory, so that a
 * restarted authority still recognises its certificates and remembers its revocations.
 *
 * <p>One text line per event in {@value #FILE}:
 * <pre>
 * # agentmanager certificate ledger v1
 * # ca &lt;SHA-256 of the issuing CA certificate&gt;
 * issued &lt;serial&gt; &lt;thumbprint&gt; &lt;notBefore&gt; &lt;notAfter&gt; &lt;agentId&gt;
 * revoked &lt;serial&gt; &lt;revokedAt&gt;
 * </pre>
 * An issuance line is written before the certificate is handed out (it survives a crash of the process;
 * a crash of the machine may lose the last few, which fails safe: the authority then refuses those
 * certificates). A revocation line is forced to disk before {@code revoke} returns. {@link #lock} takes an
 * exclusive lock on {@value #LOCK_FILE} (one authority per directory); {@link #load} reads every line,
 * ignores a torn last line, and rewrites the file without the entries the caller no longer needs
 * (compaction).
 */
public final class Ledger implements Closeable {
    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());

    public static final String FILE = "certificates.log";
    public static final String LOCK_FILE = "lock";
    private static final String HEADER = "# agentmanager certificate ledger v1";
    private static final String CA_PREFIX = "# ca ";

    /** A certificate the authority issued. */
    public record Issued(String serial, String thumbprint, String agentId, Instant notBefore, Instant notAfter) {}

    private final Path directory;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private @Nullable FileChannel log;
    private List<Issued> issued = List.of();
    private Map<String, Instant> revoked = Map.of();

    private Ledger(Path directory, FileChannel lockChannel, FileLock lock) {
        this.directory = directory;
        this.file = directory.resolve(FILE);
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed and takes its exclusive lock: one authority per state directory.
     *
     * @throws IllegalStateException if another authority (in this or another process) holds it
     * @throws UncheckedIOException if the directory or lock file cannot be created
     */
    public static Ledger lock(Path directory) {
        @Nullable FileChannel lockChannel = null;
        try {
            Files.createDirectories(directory);
            lockChannel =
                    FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            @Nullable FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("state directory " + directory
                        + " is in use by another certificate authority (close it first)");
            }
            return new Ledger(directory, lockChannel, lock);
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new UncheckedIOException("cannot lock the state directory " + directory, e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /**
     * Reads the ledger, keeping only the issued certificates {@code keep} accepts (and their revocations),
     * rewrites it compacted and opens it for appending.
     *
     * @param caThumbprint the issuing CA's SHA-256: a ledger written for another CA is refused
     * @throws IllegalStateException if the ledger belongs to another CA, or a line other than the last is
     *     malformed
     * @throws UncheckedIOException if the file cannot be read or written
     */
    public synchronized void load(String caThumbprint, Predicate<Issued> keep) {
        if (log != null) {
            throw new IllegalStateException("ledger already loaded");
        }
        try {
            List<Issued> entries = new ArrayList<>();
            Map<String, Instant> revocations = new LinkedHashMap<>();
            if (Files.exists(file)) {
                read(file, caThumbprint, entries, revocations);
            }
            int before = entries.size();
            entries.removeIf(keep.negate());
            Set<String> kept = new HashSet<>();
            entries.forEach(e -> kept.add(e.serial()));
            revocations.keySet().retainAll(kept);
            rewrite(directory, file, caThumbprint, entries, revocations);
            if (before != entries.size()) {
                LOG.log(
                        Level.INFO,
                        "certificate ledger {0}: dropped {1} expired entries, kept {2}",
                        file,
                        before - entries.size(),
                        entries.size());
            }
            this.issued = List.copyOf(entries);
            this.revoked = Map.copyOf(revocations);
            this.log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the certificate ledger " + file, e);
        }
    }

    /** The issued certificates read at open, after compaction. */
    public synchronized List<Issued> issued() {
        return issued;
    }

    /** The revocations read at open (serial to revocation time), after compaction. */
    public synchronized Map<String, Instant> revoked() {
        return revoked;
    }

    /** Appends an issuance (written to the operating system before returning, not forced to disk). */
    public synchronized void appendIssued(Issued certificate) throws IOException {
        write(issuedLine(certificate));
    }

    /** Appends a revocation and forces it to disk before returning. */
    public synchronized void appendRevoked(String serial, Instant revokedAt) throws IOException {
        write(revokedLine(serial, revokedAt));
        requireNonNull(log).force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (log != null) {
                log.close();
            }
        } finally {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } finally {
                lockChannel.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Ledger[" + file + "]";
    }

    private void write(String line) throws IOException {
        FileChannel log = this.log;
        if (log == null) {
            throw new IllegalStateException("ledger not loaded");
        }
        ByteBuffer buffer = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        while (buffer.hasRemaining()) {
            log.write(buffer);
        }
    }

    private static String issuedLine(Issued c) {
        return "issued " + c.serial() + " " + c.thumbprint() + " " + c.notBefore() + " " + c.notAfter() + " "
                + c.agentId() + "\n";
    }

    private static String revokedLine(String serial, Instant revokedAt) {
        return "revoked " + serial + " " + revokedAt + "\n";
    }

    private static void read(Path file, String caThumbprint, List<Issued> issued, Map<String, Instant> revoked)
            throws IOException {
        String content = Files.readString(file, StandardCharsets.ISO_8859_1);
        boolean tornTail = !content.isEmpty() && !content.endsWith("\n");
        String[] lines = content.split("\n", -1);
        int last = lines.length - 1; // after the final '\n' comes an empty string, or the torn tail
        boolean sawCa = false;
        for (int i = 0; i <= last; i++) {
            String line = lines[i];
            boolean isTornTail = i == last && tornTail;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    if (line.startsWith(CA_PREFIX)) {
                        String owner = line.substring(CA_PREFIX.length()).trim();
                        if (!owner.equals(caThumbprint)) {
                            throw new IllegalStateException("certificate ledger " + file + " belongs to another CA ("
                                    + owner + "), not to this one (" + caThumbprint + ")");
                        }
                        sawCa = true;
                    }
                    continue;
                }
                String[] fields = line.split(" ");
                switch (fields[0]) {
                    case "issued" -> {
                        if (fields.length != 6) {
                            throw new IllegalArgumentException("expected 6 fields");
                        }
                        issued.add(new Issued(
                                fields[1], fields[2], fields[5], Instant.parse(fields[3]), Instant.parse(fields[4])));
                    }
                    case "revoked" -> {
                        if (fields.length != 3) {
                            throw new IllegalArgumentException("expected 3 fields");
                        }
                        revoked.putIfAbsent(fields[1], Instant.parse(fields[2]));
                    }
                    default -> throw new IllegalArgumentException("unknown record '" + fields[0] + "'");
                }
            } catch (IllegalArgumentException | DateTimeParseException e) {
                if (isTornTail) {
                    LOG.log(Level.WARNING, "certificate ledger {0}: ignoring a torn last line", file);
                    continue;
                }
                throw new IllegalStateException(
                        "certificate ledger " + file + " line " + (i + 1) + " is malformed: " + e.getMessage(), e);
            }
        }
        if (!sawCa && !(issued.isEmpty() && revoked.isEmpty())) {
            throw new IllegalStateException("certificate ledger " + file + " has no '# ca' header line");
        }
    }

    private static void rewrite(
            Path directory, Path file, String caThumbprint, List<Issued> issued, Map<String, Instant> revoked) {
        StringBuilder out = new StringBuilder(HEADER)
                .append('\n')
                .append(CA_PREFIX)
                .append(caThumbprint)
                .append('\n');
        for (Issued certificate : issued) {
            out.append(issuedLine(certificate));
        }
        revoked.forEach((serial, at) -> out.append(revokedLine(serial, at)));
        CaFiles.writeAtomically(directory, file.getFileName().toString(), out.toString(), false);
    }

    private static void closeQuietly(@Nullable FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }
}
