package dev.agentmanager.store.inmemory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * How one store keeps certificate bodies: a PEM that is the standard encoding of its DER (one block, base64 in
 * 64-character lines, {@code \n} line ends, as {@code Pem.encode} of the BouncyCastle CA writes it) is kept as
 * a byte array from which the exact PEM is made again on read; any other PEM is kept as the string given.
 *
 * <h2>What the array holds</h2>
 * A certificate ({@link CertificateLayout}: tbsCertificate, signature algorithm, signature, with the shortest
 * length forms) is split in three:
 * <ul>
 *   <li>the <em>skeleton</em>, tbsCertificate and signature algorithm, less what can be made again exactly
 *       ({@link DerFields}: serial and validity, which the record holds, and a subject key identifier that is
 *       the SHA-1 of the key) and less the subject public key's bits (zeroed);
 *   <li>the <em>key part</em>: for an uncompressed point of P-256, P-384 or P-521 its X and the parity of Y
 *       ({@link EcPoints}), else the key's bits as they are;
 *   <li>the <em>signature part</em>: for an ECDSA signature r || s in fixed width ({@link EcdsaSignatures}),
 *       else the signature's bits as they are.
 * </ul>
 * The array is one flags byte (the {@link DerFields} mask, the key part's form, whether the signature is r || s,
 * whether the skeleton is the template's), then the skeleton raw-deflated with a preset dictionary unless it
 * is the template's, then the key part, then the signature part (to the end of the array). The key and the
 * signature are random, so deflating them could only add to them; the skeleton of a CA's certificates hardly
 * differs from one to the next.
 *
 * <p>The <em>template</em> is what the first standard PEM the store keeps leaves to deflate (learned once and
 * kept for the store's life): a skeleton, or the whole DER of a PEM that is not laid out as a certificate. The
 * dictionary is the template followed by the UTF-8 bytes of the record's agent id. When a skeleton is the
 * template's with this agent id where the template has its own (the subject CN and the URI SAN of the
 * BouncyCastle CA's certificates), nothing of it is kept at all: an EC P-256 client certificate of that CA,
 * about 510 DER bytes, is kept in 97 (1 + 32 + 64), which {@link CertificateRecord.Inline} holds without an
 * array (all but about 1 in 65,000, whose r and s both fit in 31 bytes). Anything else that does not split so
 * (a PEM whose DER is not a certificate, or lays one out in forms made again differently) is kept whole,
 * raw-deflated against the same dictionary, after a flags byte of 0.
 *
 * <p>Every transformation is checked on write to make the input again exactly (a point is decompressed, a
 * signature re-encoded, a header made again and compared); what fails a check is kept as it is. {@link #compact}
 * runs under the store's write lock only (it reuses one {@link Deflater}); {@link #pem} may run concurrently
 * with it and with itself (an {@link Inflater} per call).
 */
final class CertificateBodies {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----\n";
    private static final String END = "\n-----END CERTIFICATE-----\n";
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});
    /** Level 6 (zlib's default): on certificates as small as these it compresses as well as level 9. */
    static final int LEVEL = 6;

    /** Flags: the {@link DerFields} mask. */
    static final int MASK = 0x0F;
    /** Flags: the key part's form; 0 (none) means the DER is kept whole. */
    static final int KEY_FORM = 0x30;
    /** Key part: the key's bits as they are. */
    static final int KEY_RAW = 0x10;
    /** Key part: X of an EC point whose Y is even. */
    static final int KEY_EVEN_Y = 0x20;
    /** Key part: X of an EC point whose Y is odd. */
    static final int KEY_ODD_Y = 0x30;
    /** Flags: the signature part is ECDSA's r || s, else the signature's bits as they are. */
    static final int ECDSA = 0x40;
    /** Flags: the skeleton is the template's with the record's agent id, so the array holds none of it. */
    static final int TEMPLATE = 0x80;

    private final Deflater deflater = new Deflater(LEVEL, true);
    private final byte[] buffer = new byte[8192];
    /** Set once, under the write lock, before any body uses it. */
    private volatile @Nullable Template template;

    /**
     * What a record keeps of {@code pem}: a {@code byte[]} as the class describes if {@code pem} is exactly the
     * standard PEM of a DER, else {@code pem} itself. Call under the store's write lock.
     */
    Object compact(String pem, String agentId, DerFields.Known known) {
        byte[] der = standardDer(pem);
        if (der == null) {
            return pem;
        }
        byte[] id = agentId.getBytes(StandardCharsets.UTF_8);
        CertificateLayout layout = CertificateLayout.of(der);
        if (layout == null || !splits(der, layout)) {
            return concat(new byte[] {0}, deflate(der, dictionary(der, id)));
        }
        int flags = DerFields.mask(der, layout, known);
        byte[] key;
        EcPoints.Curve curve = layout.keyAlgorithmIs(der, EcPoints.EC_PUBLIC_KEY)
                ? EcPoints.named(der, layout.keyParameterOid(der)) : null;
        int parity = curve == null ? -1 : curve.parity(der, layout.keyStart, layout.keyEnd);
        if (parity >= 0) {
            key = Arrays.copyOfRange(der, layout.keyStart + 1, layout.keyStart + 1 + curve.size());
            flags |= parity == 0 ? KEY_EVEN_Y : KEY_ODD_Y;
        } else {
            key = Arrays.copyOfRange(der, layout.keyStart, layout.keyEnd);
            flags |= KEY_RAW;
        }
        byte[] signature = EcdsaSignatures.fixedWidth(der, layout.signatureStart, der.length);
        if (signature != null) {
            flags |= ECDSA;
        } else {
            signature = Arrays.copyOfRange(der, layout.signatureStart, der.length);
        }
        byte[] skeleton = Arrays.copyOfRange(der, layout.tbsStart, layout.signatureAlgorithmEnd);
        Arrays.fill(skeleton, layout.keyStart - layout.tbsStart, layout.keyEnd - layout.tbsStart, (byte) 0);
        Template t = template;
        if (t == null) {
            template = t = new Template(skeleton, id);
        }
        if (t.isTemplateOf(skeleton, id)) {
            return concat(new byte[] {(byte) (flags | TEMPLATE)}, key, signature);
        }
        return concat(new byte[] {(byte) flags}, deflate(skeleton, dictionary(skeleton, id)), key, signature);
    }

    /** The PEM that {@link #compact} was given for {@code body}, {@code agentId} and {@code known}. Thread-safe. */
    String pem(Object body, String agentId, DerFields.Known known) {
        if (!(body instanceof byte[] b)) {
            return (String) body;
        }
        Template t = template;
        if (t == null) {
            throw new IllegalStateException("a compressed certificate body without a template");
        }
        byte[] id = agentId.getBytes(StandardCharsets.UTF_8);
        int flags = b[0] & 0xFF;
        if ((flags & KEY_FORM) == 0) {
            return pem(inflate(b, 1, t.dictionary(id), null));
        }
        byte[] skeleton;
        int at;
        if ((flags & TEMPLATE) != 0) {
            skeleton = t.with(id);
            at = 1;
        } else {
            int[] end = new int[1];
            skeleton = inflate(b, 1, t.dictionary(id), end);
            at = end[0];
        }
        CertificateLayout layout = CertificateLayout.ofTbs(skeleton, 0);
        if (layout == null || layout.keyStart < 0 || layout.tbsEnd >= skeleton.length) {
            throw new IllegalStateException("a certificate body whose skeleton does not parse");
        }
        int form = flags & KEY_FORM;
        if (form == KEY_RAW) {
            int n = layout.keyEnd - layout.keyStart;
            System.arraycopy(b, at, skeleton, layout.keyStart, n);
            at += n;
        } else {
            EcPoints.Curve curve = EcPoints.named(skeleton, layout.keyParameterOid(skeleton));
            if (curve == null || layout.keyEnd - layout.keyStart != 1 + 2 * curve.size()) {
                throw new IllegalStateException("a compressed point of no known curve");
            }
            skeleton[layout.keyStart] = 0x04;
            System.arraycopy(b, at, skeleton, layout.keyStart + 1, curve.size());
            curve.y(b, at, form == KEY_ODD_Y, skeleton, layout.keyStart + 1 + curve.size());
            at += curve.size();
        }
        byte[] signature = (flags & ECDSA) != 0 ? EcdsaSignatures.der(b, at, b.length) : Arrays.copyOfRange(b, at,
                b.length);
        byte[] der = assemble(skeleton, signature);
        DerFields.restore(der, flags & MASK, known);
        return pem(der);
    }

    /**
     * Whether the certificate is made again exactly from its skeleton and signature with the shortest length
     * forms ({@link #assemble}) and its key's bits can be cut out.
     */
    private static boolean splits(byte[] der, CertificateLayout layout) {
        if (layout.signatureStart < 0 || layout.keyStart < 0 || layout.keyEnd > layout.tbsEnd) {
            return false;
        }
        byte[] outer = CertificateLayout.header(CertificateLayout.SEQUENCE, der.length - layout.tbsStart);
        byte[] bits = CertificateLayout.header(CertificateLayout.BIT_STRING, der.length - layout.signatureStart + 1);
        return outer.length == layout.tbsStart && Arrays.equals(der, 0, outer.length, outer, 0, outer.length)
                && layout.signatureAlgorithmEnd + bits.length + 1 == layout.signatureStart
                && Arrays.equals(der, layout.signatureAlgorithmEnd, layout.signatureStart - 1, bits, 0, bits.length);
    }

    /** Certificate ::= SEQUENCE { skeleton (tbsCertificate, signatureAlgorithm), BIT STRING { 0, signature } }. */
    private static byte[] assemble(byte[] skeleton, byte[] signature) {
        byte[] bits = CertificateLayout.header(CertificateLayout.BIT_STRING, 1 + signature.length);
        byte[] outer = CertificateLayout.header(CertificateLayout.SEQUENCE,
                skeleton.length + bits.length + 1 + signature.length);
        return concat(outer, skeleton, bits, new byte[] {0}, signature);
    }

    private byte[] deflate(byte[] input, byte[] dictionary) {
        Deflater d = deflater;
        d.reset();
        d.setDictionary(dictionary);
        d.setInput(input);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        while (!d.finished()) {
            out.write(buffer, 0, d.deflate(buffer));
        }
        return out.toByteArray();
    }

    /**
     * Inflates the raw deflate stream at {@code b[from...]}; where it ends goes to {@code end[0]} if given (what
     * follows it), else it must end the array.
     */
    private static byte[] inflate(byte[] b, int from, byte[] dictionary, int @Nullable [] end) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setDictionary(dictionary);
            inflater.setInput(b, from, b.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(512, 3 * (b.length - from)));
            byte[] chunk = new byte[1024];
            while (!inflater.finished()) {
                int k = inflater.inflate(chunk);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalStateException("a truncated certificate body");
                }
                out.write(chunk, 0, k);
            }
            if (end != null) {
                end[0] = b.length - inflater.getRemaining();
            } else if (inflater.getRemaining() != 0) {
                throw new IllegalStateException("a certificate body with bytes after its DER");
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IllegalStateException("a corrupt certificate body", e);
        } finally {
            inflater.end();
        }
    }

    /** The dictionary to deflate {@code input} with: the template's (this input when it becomes the template). */
    private byte[] dictionary(byte[] input, byte[] id) {
        Template t = template;
        if (t == null) {
            template = t = new Template(input, id);
        }
        return t.dictionary(id);
    }

    private static String pem(byte[] der) {
        return BEGIN + MIME.encodeToString(der) + END;
    }

    /** The DER bytes if {@code pem} is exactly their standard PEM encoding, else {@code null}. */
    static byte @Nullable [] standardDer(String pem) {
        if (!pem.startsWith(BEGIN) || !pem.endsWith(END) || pem.length() <= BEGIN.length() + END.length()) {
            return null;
        }
        String body = pem.substring(BEGIN.length(), pem.length() - END.length());
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return null;
        }
        byte[] reencoded = MIME.encode(der);
        return Arrays.equals(reencoded, body.getBytes(StandardCharsets.ISO_8859_1)) ? der : null;
    }

    /** The parts, one after another, in a new array. */
    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /**
     * The first standard certificate's skeleton (or whole DER) and where its agent id occurs in it, so that a
     * skeleton that differs from it only there is made from it and the record's agent id.
     */
    private static final class Template {
        private final byte[] bytes;
        /** The agent id the template was kept for, as UTF-8. */
        private final byte[] agentId;
        /** Where {@link #agentId} occurs in {@link #bytes}, left to right without overlap. */
        private final int[] agentIdAt;

        Template(byte[] bytes, byte[] agentId) {
            this.bytes = bytes.clone();
            this.agentId = agentId.clone();
            List<Integer> at = new ArrayList<>();
            for (int i = 0; agentId.length > 0 && i + agentId.length <= bytes.length; ) {
                if (Arrays.equals(bytes, i, i + agentId.length, agentId, 0, agentId.length)) {
                    at.add(i);
                    i += agentId.length;
                } else {
                    i++;
                }
            }
            this.agentIdAt = at.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The template with {@code id} written where the template's agent id is; null if its length differs. */
        byte @Nullable [] withOrNull(byte[] id) {
            if (id.length != agentId.length && agentIdAt.length > 0) {
                return null;
            }
            byte[] b = bytes.clone();
            for (int at : agentIdAt) {
                System.arraycopy(id, 0, b, at, id.length);
            }
            return b;
        }

        byte[] with(byte[] id) {
            byte[] b = withOrNull(id);
            if (b == null) {
                throw new IllegalStateException("a certificate body of the template's form for an agent id of "
                        + "another length");
            }
            return b;
        }

        /** Whether {@code skeleton} is exactly {@link #with} {@code id}. */
        boolean isTemplateOf(byte[] skeleton, byte[] id) {
            return skeleton.length == bytes.length && Arrays.equals(skeleton, withOrNull(id));
        }

        byte[] dictionary(byte[] id) {
            byte[] d = Arrays.copyOf(bytes, bytes.length + id.length);
            System.arraycopy(id, 0, d, bytes.length, id.length);
            return d;
        }
    }
}
