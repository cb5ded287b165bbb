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
 * certificates for {@link Fleet} by patching them in place (see there): the to-be-signed part is patched, the
 * signature made anew. Not thread-safe.
 */
final class CertificateTemplate {
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final BigInteger ORDER = CurvePoints.order();
    private static CertificateTemplate issued;

    private final byte[] der;
    /** Where tbsCertificate starts in {@link #der}, where it ends and where the signature algorithm after it ends. */
    private final int tbs;
    private final int tbsEnd;
    private final int algorithmEnd;
    private final int serial;
    private final int[] agentIds;
    private final int agentIdLength;
    private final int point;
    private final int keyIdentifier;
    private final int notBefore;
    private final int notAfter;
    private final Instant notBeforeMinute;
    private final Instant notAfterMinute;
    private final MessageDigest sha256;
    private final MessageDigest sha1;
    /** The agents' keys; made on first use from the first certificate's random source. */
    private CurvePoints points;

    private CertificateTemplate(byte[] der, Instant notBeforeMinute, Instant notAfterMinute, String agentId)
            throws GeneralSecurityException {
        this.der = der;
        this.notBeforeMinute = notBeforeMinute;
        this.notAfterMinute = notAfterMinute;
        X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        byte[] tbsBytes = x.getTBSCertificate();
        tbs = once(der, tbsBytes);
        tbsEnd = tbs + tbsBytes.length;
        algorithmEnd = tbsEnd + 2 + der[tbsEnd + 1]; // AlgorithmIdentifier: a short SEQUENCE
        byte[] serialBytes = x.getSerialNumber().toByteArray();
        serial = indexOf(der, concat(new byte[] {0x02, (byte) serialBytes.length}, serialBytes), 0) + 2;
        byte[] id = agentId.getBytes(StandardCharsets.US_ASCII);
        agentIdLength = id.length;
        agentIds = all(der, id);
        byte[] spki = x.getPublicKey().getEncoded();
        point = once(der, Arrays.copyOfRange(spki, spki.length - 64, spki.length));
        byte[] ski = x.getExtensionValue("2.5.29.14");
        keyIdentifier = once(der, Arrays.copyOfRange(ski, ski.length - 20, ski.length));
        notBefore = once(der, UTC_TIME.format(x.getNotBefore().toInstant()).getBytes(StandardCharsets.US_ASCII));
        notAfter = once(der, UTC_TIME.format(x.getNotAfter().toInstant()).getBytes(StandardCharsets.US_ASCII));
        sha256 = MessageDigest.getInstance("SHA-256");
        sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(der, point - 1, 65); // the key's bits: 0x04 and the point
        if (agentIds.length != 2 || serialBytes.length != 16 || serial < tbs || der[tbsEnd] != 0x30
                || !x.getSigAlgName().equals("SHA256withECDSA")
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

    /**
     * A certificate for {@code agentId} (a UUID string) with its random fields drawn from {@code random}: the key
     * a point of P-256 ({@link CurvePoints}), the signature's r and s uniform in [1, n - 1] like an ECDSA
     * signature's, so that its DER length varies as real ones do (70 to 72 bytes, rarely fewer).
     */
    AgentCertificate certificate(String agentId, SplittableRandom random) {
        if (agentId.length() != agentIdLength) {
            throw new IllegalArgumentException("agent id of another length: " + agentId);
        }
        if (points == null) {
            points = new CurvePoints(random.split());
        }
        byte[] c = Arrays.copyOfRange(der, tbs, algorithmEnd); // tbsCertificate and signature algorithm
        randomize(c, serial - tbs, 16, random);
        c[serial - tbs] = (byte) ((c[serial - tbs] & 0x7f) | 0x40); // 127 bits, as the CA's serials
        for (int at : agentIds) {
            put(c, at - tbs, agentId);
        }
        System.arraycopy(points.next(), 0, c, point - tbs, 64);
        // the CA's subject key identifier is the SHA-1 of the key (RFC 5280 method 1): made, as the CA makes it
        sha1.update(c, point - tbs - 1, 65);
        System.arraycopy(sha1.digest(), 0, c, keyIdentifier - tbs, 20);
        int nb = random.nextInt(60);
        int na = random.nextInt(60);
        put(c, notBefore - tbs + 10, String.format(Locale.ROOT, "%02d", nb));
        put(c, notAfter - tbs + 10, String.format(Locale.ROOT, "%02d", na));
        byte[] signature = concat(new byte[] {0}, // BIT STRING: no unused bits, then the ECDSA-Sig-Value
                element(0x30, concat(integer(belowOrder(random)), integer(belowOrder(random)))));
        byte[] full = element(0x30, concat(c, element(0x03, signature)));
        String serialHex = new BigInteger(1, Arrays.copyOfRange(c, serial - tbs, serial - tbs + 16)).toString(16);
        String thumbprint = HexFormat.of().formatHex(sha256.digest(full));
        return new AgentCertificate(serialHex, thumbprint, agentId, notBeforeMinute.plusSeconds(nb),
                notAfterMinute.plusSeconds(na), Pem.encode(Pem.CERTIFICATE, full), null);
    }

    /** Uniform in [1, n - 1]. */
    private static BigInteger belowOrder(SplittableRandom random) {
        byte[] bytes = new byte[32];
        while (true) {
            random.nextBytes(bytes);
            BigInteger v = new BigInteger(1, bytes);
            if (v.signum() > 0 && v.compareTo(ORDER) < 0) {
                return v;
            }
        }
    }

    /** A DER INTEGER of a positive value: its minimal two's-complement content. */
    private static byte[] integer(BigInteger v) {
        return element(0x02, v.toByteArray());
    }

    /** A DER element: tag, definite length (short or long form), content. */
    private static byte[] element(int tag, byte[] content) {
        int n = content.length;
        byte[] header = n < 0x80 ? new byte[] {(byte) tag, (byte) n}
                : n < 0x100 ? new byte[] {(byte) tag, (byte) 0x81, (byte) n}
                : new byte[] {(byte) tag, (byte) 0x82, (byte) (n >> 8), (byte) n};
        return concat(header, content);
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
