package dev.agentmanager.benchmarks;

import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.Pem;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.AgentCertificate;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One real agent certificate of the BouncyCastle CA and the offsets of its per-agent fields, to make realistic
 * certificates for {@link Fleet} by patching them in place (see there). Not thread-safe.
 */
final class CertificateTemplate {
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static CertificateTemplate issued;

    private final byte[] der;
    private final int serial;
    private final int[] agentIds;
    private final int agentIdLength;
    private final int point;
    private final int keyIdentifier;
    private final int r;
    private final int rLength;
    private final int s;
    private final int sLength;
    private final int notBefore;
    private final int notAfter;
    private final Instant notBeforeMinute;
    private final Instant notAfterMinute;
    private final MessageDigest sha256;
    private final MessageDigest sha1;

    private CertificateTemplate(byte[] der, Instant notBeforeMinute, Instant notAfterMinute, String agentId)
            throws GeneralSecurityException {
        this.der = der;
        this.notBeforeMinute = notBeforeMinute;
        this.notAfterMinute = notAfterMinute;
        X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        byte[] serialBytes = x.getSerialNumber().toByteArray();
        serial = indexOf(der, concat(new byte[] {0x02, (byte) serialBytes.length}, serialBytes), 0) + 2;
        byte[] id = agentId.getBytes(StandardCharsets.US_ASCII);
        agentIdLength = id.length;
        agentIds = all(der, id);
        byte[] spki = x.getPublicKey().getEncoded();
        point = once(der, Arrays.copyOfRange(spki, spki.length - 64, spki.length));
        byte[] ski = x.getExtensionValue("2.5.29.14");
        keyIdentifier = once(der, Arrays.copyOfRange(ski, ski.length - 20, ski.length));
        byte[] signature = x.getSignature(); // SEQUENCE { INTEGER r, INTEGER s }, short-form lengths for P-256
        int sig = lastIndexOf(der, signature);
        rLength = der[sig + 3];
        r = sig + 4;
        sLength = der[r + rLength + 1];
        s = r + rLength + 2;
        notBefore = once(der, UTC_TIME.format(x.getNotBefore().toInstant()).getBytes(StandardCharsets.US_ASCII));
        notAfter = once(der, UTC_TIME.format(x.getNotAfter().toInstant()).getBytes(StandardCharsets.US_ASCII));
        sha256 = MessageDigest.getInstance("SHA-256");
        sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(der, point - 1, 65); // the key's bits: 0x04 and the point
        if (agentIds.length != 2 || serialBytes.length != 16 || serial < 2 || der[sig] != 0x30
                || !Arrays.equals(sha1.digest(), Arrays.copyOfRange(der, keyIdentifier, keyIdentifier + 20))) {
            throw new IllegalStateException("unexpected certificate layout");
        }
    }

    /** The template, issuing its certificate on first use. */
    static synchronized CertificateTemplate get() {
        if (issued == null) {
            try (BouncyCastleCertificateService ca = BouncyCastleCertificateService.builder().build()) {
                String agentId = UUID.randomUUID().toString();
                byte[] csr = AgentKeys.csrPem(AgentKeys.generate(), "fleet-template")
                        .getBytes(StandardCharsets.US_ASCII);
                AgentCertificate c = ca.issue(agentId, ca.decodeRequest(csr));
                issued = new CertificateTemplate(Pem.decode(Pem.CERTIFICATE, c.certificatePem()),
                        c.notBefore().truncatedTo(ChronoUnit.MINUTES), c.notAfter().truncatedTo(ChronoUnit.MINUTES),
                        agentId);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return issued.at(issued.notBeforeMinute, issued.notAfterMinute);
    }

    /** A template whose validity is these instants (whole minutes; each certificate draws its seconds). */
    CertificateTemplate at(Instant notBeforeMinute, Instant notAfterMinute) {
        byte[] copy = der.clone();
        put(copy, notBefore, UTC_TIME.format(notBeforeMinute));
        put(copy, notAfter, UTC_TIME.format(notAfterMinute));
        try {
            return new CertificateTemplate(copy, notBeforeMinute, notAfterMinute, agentId());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private String agentId() {
        return new String(der, agentIds[0], agentIdLength, StandardCharsets.US_ASCII);
    }

    /** A certificate for {@code agentId} (a UUID string) with its random fields drawn from {@code random}. */
    AgentCertificate certificate(String agentId, SplittableRandom random) {
        if (agentId.length() != agentIdLength) {
            throw new IllegalArgumentException("agent id of another length: " + agentId);
        }
        byte[] c = der.clone();
        randomize(c, serial, 16, random);
        c[serial] = (byte) ((c[serial] & 0x7f) | 0x40); // 127 bits, as the CA's serials
        for (int at : agentIds) {
            put(c, at, agentId);
        }
        randomize(c, point, 64, random);
        // the CA's subject key identifier is the SHA-1 of the key (RFC 5280 method 1): made, as the CA makes it
        sha1.update(c, point - 1, 65);
        System.arraycopy(sha1.digest(), 0, c, keyIdentifier, 20);
        randomizeInteger(c, r, rLength, random);
        randomizeInteger(c, s, sLength, random);
        int nb = random.nextInt(60);
        int na = random.nextInt(60);
        put(c, notBefore + 10, String.format(Locale.ROOT, "%02d", nb));
        put(c, notAfter + 10, String.format(Locale.ROOT, "%02d", na));
        String serialHex = new BigInteger(1, Arrays.copyOfRange(c, serial, serial + 16)).toString(16);
        String thumbprint = HexFormat.of().formatHex(sha256.digest(c));
        return new AgentCertificate(serialHex, thumbprint, agentId, notBeforeMinute.plusSeconds(nb),
                notAfterMinute.plusSeconds(na), Pem.encode(Pem.CERTIFICATE, c), null);
    }

    /** The content of a DER INTEGER: its first byte kept, and the second's top bit set after a 0x00 pad. */
    private static void randomizeInteger(byte[] c, int at, int length, SplittableRandom random) {
        randomize(c, at + 1, length - 1, random);
        if (c[at] == 0) {
            c[at + 1] |= (byte) 0x80;
        }
    }

    private static void randomize(byte[] c, int at, int length, SplittableRandom random) {
        for (int i = 0; i < length; i++) {
            c[at + i] = (byte) random.nextInt(256);
        }
    }

    private static void put(byte[] c, int at, String ascii) {
        byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, c, at, b.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int once(byte[] hay, byte[] needle) {
        int[] at = all(hay, needle);
        if (at.length != 1) {
            throw new IllegalStateException("expected one occurrence, found " + at.length);
        }
        return at[0];
    }

    private static int[] all(byte[] hay, byte[] needle) {
        List<Integer> found = new ArrayList<>();
        for (int i = indexOf(hay, needle, 0); i >= 0; i = indexOf(hay, needle, i + 1)) {
            found.add(i);
        }
        return found.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int lastIndexOf(byte[] hay, byte[] needle) {
        int[] at = all(hay, needle);
        return at[at.length - 1];
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
