package dev.reprise.stack;

import io.smallrye.jwt.build.Jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The local token authority: an RSA-2048 key pair in PEM files and RS256 tokens signed with it (smallrye-jwt-build).
 * Services verify them with {@code mp.jwt.verify.publickey.location} and {@code mp.jwt.verify.issuer}.
 */
public final class LocalJwt {

    /** {@code iss} of every local token, and the value of {@code mp.jwt.verify.issuer}. */
    public static final String ISSUER = "https://reprise.local";
    /** Lifetime of a minted token. */
    public static final Duration TOKEN_LIFETIME = Duration.ofHours(12);
    /** Group of every user token. */
    public static final String GROUP_USER = "user";
    /** Additional group of a moderator token. */
    public static final String GROUP_MODERATOR = "moderator";
    /** Additional group of an operator token (admin endpoints such as the dead-letter replay). */
    public static final String GROUP_OPERATOR = "operator";
    /** File names inside the jwt directory. */
    public static final String PRIVATE_KEY_FILE = "private.pem";
    public static final String PUBLIC_KEY_FILE = "public.pem";

    private LocalJwt() {
    }

    /** Groups of a plain user token: {@code [user]}. */
    public static Set<String> userGroups() {
        return Set.of(GROUP_USER);
    }

    /** Groups of a moderator token: {@code [user, moderator]}. */
    public static Set<String> moderatorGroups() {
        return new LinkedHashSet<>(java.util.List.of(GROUP_USER, GROUP_MODERATOR));
    }

    /** Groups of an operator token: {@code [user, operator]}. */
    public static Set<String> operatorGroups() {
        return new LinkedHashSet<>(java.util.List.of(GROUP_USER, GROUP_OPERATOR));
    }

    /**
     * The key pair in {@code jwtDir/private.pem} and {@code jwtDir/public.pem}: read if present, else generated
     * (RSA-2048; private key PKCS#8 with mode 600, public key X.509 SubjectPublicKeyInfo).
     */
    public static KeyPair loadOrCreateKeys(Path jwtDir) {
        Path privatePem = jwtDir.resolve(PRIVATE_KEY_FILE);
        Path publicPem = jwtDir.resolve(PUBLIC_KEY_FILE);
        try {
            if (Files.exists(privatePem)) {
                PrivateKey privateKey = readPrivateKey(privatePem);
                PublicKey publicKey;
                if (Files.exists(publicPem)) {
                    publicKey = readPublicKey(publicPem);
                } else {
                    publicKey = publicKeyOf(privateKey);
                    writePem(publicPem, "PUBLIC KEY", publicKey.getEncoded(), false);
                }
                return new KeyPair(publicKey, privateKey);
            }
            Files.createDirectories(jwtDir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            writePem(privatePem, "PRIVATE KEY", pair.getPrivate().getEncoded(), true);
            writePem(publicPem, "PUBLIC KEY", pair.getPublic().getEncoded(), false);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the JWT keys in " + jwtDir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot prepare the JWT keys in " + jwtDir, e);
        }
    }

    /** Reads a PKCS#8 PEM RSA private key ({@code -----BEGIN PRIVATE KEY-----}). */
    public static PrivateKey readPrivateKey(Path pem) throws IOException {
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(readPem(pem, "PRIVATE KEY")));
        } catch (GeneralSecurityException e) {
            throw new IOException("not an RSA private key in PKCS#8 PEM: " + pem, e);
        }
    }

    /** Reads an X.509 PEM RSA public key ({@code -----BEGIN PUBLIC KEY-----}). */
    public static PublicKey readPublicKey(Path pem) throws IOException {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(readPem(pem, "PUBLIC KEY")));
        } catch (GeneralSecurityException e) {
            throw new IOException("not an RSA public key in X.509 PEM: " + pem, e);
        }
    }

    /**
     * An RS256 token: {@code sub} and {@code upn} = userId, {@code groups}, {@code iss}, {@code iat}, {@code exp} =
     * now + {@link #TOKEN_LIFETIME}.
     */
    public static String mint(PrivateKey signingKey, String issuer, String userId, Collection<String> groups) {
        Objects.requireNonNull(signingKey, "signingKey");
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("userId must not be blank");
        }
        Instant now = Instant.now();
        return Jwt.issuer(issuer)
                .subject(userId)
                .upn(userId)
                .groups(new LinkedHashSet<>(groups))
                .issuedAt(now.getEpochSecond())
                .expiresAt(now.plus(TOKEN_LIFETIME).getEpochSecond())
                .sign(signingKey);
    }

    private static PublicKey publicKeyOf(PrivateKey privateKey) throws GeneralSecurityException {
        RSAPrivateCrtKey crt = (RSAPrivateCrtKey) privateKey;
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
    }

    private static byte[] readPem(Path pem, String type) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(pem + " has no " + begin + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }

    private static void writePem(Path file, String type, byte[] der, boolean secret) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        String pem = "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret) {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                // non-POSIX file system: default permissions
            }
        }
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
