package dev.agentmanager.model;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Something an agent can run, such as {@code docker} or {@code compose 2.24}, with an optional version.
 *
 * <p>Versions compare by {@link #compareVersions(String, String) dotted numeric segments}, so
 * {@code 1.10 > 1.9}. Validation of names and versions against the configured limits happens where a
 * capability enters the system (registration and heartbeats), not here.
 *
 * @param name the capability's name, e.g. {@code docker}
 * @param version its version, or {@code null} when the agent does not say
 */
public record Capability(String name, @Nullable String version) {

    public Capability {
        requireNonNull(name, "name");
    }

    /** A capability without a version. */
    public static Capability of(String name) {
        return new Capability(name, null);
    }

    /** A capability with a version. */
    public static Capability of(String name, String version) {
        return new Capability(name, requireNonNull(version, "version"));
    }

    /**
     * Whether this capability is at least {@code minimumVersion}. A capability without a version satisfies
     * only a {@code null} minimum.
     */
    public boolean satisfies(@Nullable String minimumVersion) {
        if (minimumVersion == null) {
            return true;
        }
        return version != null && compareVersions(version, minimumVersion) >= 0;
    }

    /**
     * Compares two versions segment by segment, splitting on {@code .}, {@code -} and {@code +}. Numeric
     * segments compare as numbers ({@code 10 > 9}); a numeric segment is greater than a non-numeric one
     * ({@code 1.0 > 1.0-rc1} is not modelled; segments are compared in order and a missing segment counts
     * as zero); other segments compare as strings.
     */
    public static int compareVersions(String a, String b) {
        String[] left = a.split("[.+-]");
        String[] right = b.split("[.+-]");
        int n = Math.max(left.length, right.length);
        for (int i = 0; i < n; i++) {
            String l = i < left.length ? left[i] : "0";
            String r = i < right.length ? right[i] : "0";
            int cmp = compareSegment(l, r);
            if (cmp != 0) {
                return cmp;
            }
        }
        return 0;
    }

    private static int compareSegment(String l, String r) {
        boolean ln = isNumeric(l);
        boolean rn = isNumeric(r);
        if (ln && rn) {
            String lt = stripLeadingZeros(l);
            String rt = stripLeadingZeros(r);
            if (lt.length() != rt.length()) {
                return Integer.compare(lt.length(), rt.length());
            }
            return lt.compareTo(rt);
        }
        if (ln != rn) {
            return ln ? 1 : -1;
        }
        return l.compareTo(r);
    }

    private static boolean isNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripLeadingZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return s.substring(i);
    }

    @Override
    public String toString() {
        return version == null ? name : name + " " + version;
    }
}
