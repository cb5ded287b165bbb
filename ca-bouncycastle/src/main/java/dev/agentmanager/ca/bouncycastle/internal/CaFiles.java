package dev.agentmanager.ca.bouncycastle.internal;

import dev.agentmanager.ca.bouncycastle.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Reading CA material from PKCS#12 and PEM files, and writing a generated CA into its directory. */
public final class CaFiles {
    private CaFiles() {}

    /** File names inside a generated CA directory. */
    public static final String CHAIN_FILE = "ca-chain.pem";

    public static final String KEY_FILE = "ca-key.pem";
    /** Locked while a CA is generated or read. */
    public static final String LOCK_FILE = "ca.lock";

    /** A CA certificate chain (issuing CA first, root last) and the issuing CA's key. */
    public record Loaded(List<X509Certificate> chain, PrivateKey key) {}

    /**
     * Reads a PKCS#12 key store. With {@code alias == null} it must hold exactly one private-key entry.
     *
     * @throws IllegalArgumentException if the file is not a readable key store, the password is wrong, or
     *     the entry is missing or not a private key with a certificate chain
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Loaded fromPkcs12(Path file, char[] password, @Nullable String alias) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        KeyStore store;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot open PKCS#12 key store " + file + " (corrupt, or wrong password?)", e);
        }
        try {
            String entry = alias;
            if (entry == null) {
                List<String> keyAliases = new ArrayList<>();
                for (String candidate : Collections.list(store.aliases())) {
                    if (store.isKeyEntry(candidate)) {
                        keyAliases.add(candidate);
                    }
                }
                if (keyAliases.size() != 1) {
                    throw new IllegalArgumentException("PKCS#12 key store " + file + " holds " + keyAliases.size()
                            + " private keys " + keyAliases + ": name the alias to use");
                }
                entry = keyAliases.get(0);
            }
            Key key = store.getKey(entry, password);
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalArgumentException(
                        "PKCS#12 key store " + file + " has no private key under alias '" + entry + "'");
            }
            Certificate[] chain = store.getCertificateChain(entry);
            if (chain == null || chain.length == 0) {
                throw new IllegalArgumentException("PKCS#12 entry '" + entry + "' has no certificate chain");
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : chain) {
                certificates.add((X509Certificate) certificate);
            }
            return new Loaded(certificates, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the private key from " + file + " (wrong password?)", e);
        }
    }

    /**
     * Reads a PEM certificate chain and a PEM private key (encrypted PKCS#8 when a password is given).
     *
     * @throws IllegalArgumentException if either file is not the expected PEM
     * @throws UncheckedIOException if a file cannot be read
     */
    public static Loaded fromPem(Path chainFile, Path keyFile, char @Nullable [] password) {
        String chainPem = read(chainFile);
        String keyPem = read(keyFile);
        List<X509Certificate> chain;
        try {
            chain = Pem.readCertificates(chainPem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(chainFile + ": " + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            key = password == null ? Pem.readPrivateKey(keyPem) : Pem.readPrivateKey(keyPem, password);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyFile + ": " + e.getMessage(), e);
        }
        return new Loaded(chain, key);
    }

    /**
     * Runs {@code action} holding an exclusive lock on {@code directory} (created if missing): a lock file,
     * locked across processes, and a monitor for the threads of this one.
     */
    public static <T> T underLock(Path directory, Supplier<T> action) {
        synchronized (CaFiles.class) {
            try {
                Files.createDirectories(directory);
                try (FileChannel channel = FileChannel.open(
                        directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock lock = channel.lock();
                    try {
                        return action.get();
                    } finally {
                        lock.release();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + directory, e);
            }
        }
    }

    /** Whether a directory already holds a generated CA. */
    public static boolean hasCa(Path directory) {
        return Files.exists(directory.resolve(CHAIN_FILE)) || Files.exists(directory.resolve(KEY_FILE));
    }

    /** Reads the CA a previous run generated into this directory. */
    public static Loaded fromDirectory(Path directory) {
        Path chain = directory.resolve(CHAIN_FILE);
        Path key = directory.resolve(KEY_FILE);
        if (!Files.exists(chain) || !Files.exists(key)) {
            throw new IllegalStateException("directory " + directory + " holds only one of " + CHAIN_FILE + " and "
                    + KEY_FILE + ": restore the other or move both away");
        }
        return fromPem(chain, key, null);
    }

    /**
     * Writes a generated CA into its directory: the key first (owner-only permissions where the file
     * system has POSIX permissions), then the chain, each through a temporary file and an atomic rename.
     */
    public static void writeToDirectory(Path directory, List<X509Certificate> chain, PrivateKey key) {
        writeAtomically(directory, KEY_FILE, Pem.write(key), true);
        writeAtomically(directory, CHAIN_FILE, Pem.write(chain), false);
    }

    static void writeAtomically(Path directory, String name, String content, boolean secret) {
        Path target = directory.resolve(name);
        Path temporary = directory.resolve(name + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            if (secret
                    && directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(
                        temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(temporary);
            }
            try (var channel = java.nio.channels.FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
