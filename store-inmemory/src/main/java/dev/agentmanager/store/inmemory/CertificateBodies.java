package dev.agentmanager.store.inmemory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * How one store keeps certificate bodies: a PEM that is the standard encoding of its DER (one block, base64 in
 * 64-character lines, {@code \n} line ends, as {@code Pem.encode} of the BouncyCastle CA writes it) is kept as
 * that DER, less what the record holds, raw-deflated with a preset dictionary, and restored to the exact PEM on
 * read; any other PEM is kept as the string given.
 *
 * <p>Before deflating, the fields that can be made again exactly are zeroed ({@link DerFields}): the serial
 * and the validity, which the record holds, and a subject key identifier that is the SHA-1 of the key. The
 * kept body is one byte saying which were zeroed, then the deflated rest. The dictionary is the first standard
 * certificate the store keeps, zeroed the same way (the <em>template</em>, learned once and kept for the
 * store's life), followed by the UTF-8 bytes of the record's agent id. Certificates of one CA share issuer,
 * extensions and algorithm identifiers with the template, and name the agent id in the subject and the SAN, so
 * what remains is mostly their random parts, the key and the signature: an EC P-256 client certificate of
 * about 510 DER bytes is kept in about 165.
 *
 * <p>{@link #compact} runs under the store's write lock only (it reuses one {@link Deflater}); {@link #pem}
 * may run concurrently with it and with itself (an {@link Inflater} per call).
 */
final class CertificateBodies {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----\n";
    private static final String END = "\n-----END CERTIFICATE-----\n";
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});
    /** Level 6 (zlib's default): on certificates as small as these it compresses as well as level 9. */
    static final int LEVEL = 6;

    private final Deflater deflater = new Deflater(LEVEL, true);
    private final byte[] buffer = new byte[8192];
    /** The first standard certificate's DER; set once, under the write lock, before any body uses it. */
    private volatile byte @Nullable [] template;

    /**
     * What a record keeps of {@code pem}: its DER masked by what the record knows and deflated against the
     * template and {@code agentId} (a {@code byte[]}) if {@code pem} is exactly the standard PEM of that DER,
     * else {@code pem} itself. Call under the store's write lock.
     */
    Object compact(String pem, String agentId, DerFields.Known known) {
        byte[] der = standardDer(pem);
        if (der == null) {
            return pem;
        }
        int masked = DerFields.mask(der, known);
        byte[] t = template;
        if (t == null) {
            template = t = der;
        }
        Deflater d = deflater;
        d.reset();
        d.setDictionary(dictionary(t, agentId));
        d.setInput(der);
        d.finish();
        ByteArrayOutputStream out = null;
        buffer[0] = (byte) masked;
        int n = 1;
        while (!d.finished()) {
            int k = d.deflate(buffer, n, buffer.length - n);
            n += k;
            if (n == buffer.length) { // only for certificates of kilobytes that do not compress
                if (out == null) {
                    out = new ByteArrayOutputStream(2 * buffer.length);
                }
                out.write(buffer, 0, n);
                n = 0;
            }
        }
        if (out == null) {
            return Arrays.copyOf(buffer, n);
        }
        out.write(buffer, 0, n);
        return out.toByteArray();
    }

    /** The PEM that {@link #compact} was given for {@code body}, {@code agentId} and {@code known}. Thread-safe. */
    String pem(Object body, String agentId, DerFields.Known known) {
        if (!(body instanceof byte[] deflated)) {
            return (String) body;
        }
        byte[] t = template;
        if (t == null) {
            throw new IllegalStateException("a compressed certificate body without a template");
        }
        Inflater inflater = new Inflater(true);
        try {
            inflater.setDictionary(dictionary(t, agentId));
            inflater.setInput(deflated, 1, deflated.length - 1);
            ByteArrayOutputStream der = new ByteArrayOutputStream(Math.max(512, 3 * deflated.length));
            byte[] chunk = new byte[1024];
            while (!inflater.finished()) {
                int k = inflater.inflate(chunk);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalStateException("a truncated certificate body");
                }
                der.write(chunk, 0, k);
            }
            byte[] restored = der.toByteArray();
            DerFields.restore(restored, deflated[0], known);
            return BEGIN + MIME.encodeToString(restored) + END;
        } catch (DataFormatException e) {
            throw new IllegalStateException("a corrupt certificate body", e);
        } finally {
            inflater.end();
        }
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

    private static byte[] dictionary(byte[] template, String agentId) {
        byte[] id = agentId.getBytes(StandardCharsets.UTF_8);
        byte[] dictionary = Arrays.copyOf(template, template.length + id.length);
        System.arraycopy(id, 0, dictionary, template.length, id.length);
        return dictionary;
    }
}
