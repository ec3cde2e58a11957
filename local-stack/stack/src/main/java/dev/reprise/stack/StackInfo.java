package dev.reprise.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a running local stack listens and with which credentials: everything needed to build a service's
 * configuration. A running {@link LocalStack} writes it to {@code <data>/stack.json} (see {@link #FILE_NAME}) and
 * deletes that file when it stops, so that another process can find and use the stack ({@link #readRunning(Path)}).
 */
public final class StackInfo {

    /** Name of the file in the data directory. */
    public static final String FILE_NAME = "stack.json";
    /** Region that clients sign S3 requests for. */
    public static final String S3_REGION = "us-east-1";
    /** Version of the stack.json layout. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final long pid;
    private final Instant startedAt;
    private final Path dataDir;
    private final int kafkaPort;
    private final int postgresPort;
    private final Map<String, String> databasePasswords;
    private final int s3Port;
    private final String s3AccessKey;
    private final String s3SecretKey;
    private final Path jwtPrivateKey;
    private final Path jwtPublicKey;

    /**
     * @param databasePasswords password of each database role, keyed by role (= database) name
     */
    public StackInfo(long pid, Instant startedAt, Path dataDir, int kafkaPort, int postgresPort,
            Map<String, String> databasePasswords, int s3Port, String s3AccessKey, String s3SecretKey,
            Path jwtPrivateKey, Path jwtPublicKey) {
        this.pid = pid;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.dataDir = dataDir.toAbsolutePath();
        this.kafkaPort = kafkaPort;
        this.postgresPort = postgresPort;
        this.databasePasswords = Map.copyOf(databasePasswords);
        this.s3Port = s3Port;
        this.s3AccessKey = Objects.requireNonNull(s3AccessKey, "s3AccessKey");
        this.s3SecretKey = Objects.requireNonNull(s3SecretKey, "s3SecretKey");
        this.jwtPrivateKey = jwtPrivateKey.toAbsolutePath();
        this.jwtPublicKey = jwtPublicKey.toAbsolutePath();
    }

    /** Process id of the JVM that runs the stack. */
    public long pid() {
        return pid;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int kafkaPort() {
        return kafkaPort;
    }

    /** {@code 127.0.0.1:<kafkaPort>}. */
    public String kafkaBootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    public int postgresPort() {
        return postgresPort;
    }

    /** Password of a service's database role. */
    public String databasePassword(ServiceSpec service) {
        String password = databasePasswords.get(service.role());
        if (password == null) {
            throw new IllegalStateException("the stack has no database role for " + service.name());
        }
        return password;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + database;
    }

    public int s3Port() {
        return s3Port;
    }

    /** {@code http://127.0.0.1:<s3Port>}. */
    public String s3Endpoint() {
        return "http://127.0.0.1:" + s3Port;
    }

    public String s3AccessKey() {
        return s3AccessKey;
    }

    public String s3SecretKey() {
        return s3SecretKey;
    }

    public Path jwtPrivateKey() {
        return jwtPrivateKey;
    }

    public Path jwtPublicKey() {
        return jwtPublicKey;
    }

    /** True if the process that started the stack is still alive. */
    public boolean ownerAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * The Quarkus configuration of a service against this stack: {@code kafka.bootstrap.servers},
     * {@code quarkus.datasource.username/password/reactive.url/jdbc.url}, {@code reprise.s3.endpoint/access-key/
     * secret-key/region}, {@code mp.jwt.verify.publickey.location}, {@code mp.jwt.verify.issuer} and
     * {@code reprise.local.jwt.private-key-location}.
     */
    public Map<String, String> serviceConfig(String serviceName) {
        ServiceSpec service = ServiceSpec.byName(serviceName);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", kafkaBootstrapServers());
        config.put("quarkus.datasource.username", service.role());
        config.put("quarkus.datasource.password", databasePassword(service));
        config.put("quarkus.datasource.reactive.url",
                "postgresql://127.0.0.1:" + postgresPort + "/" + service.database());
        config.put("quarkus.datasource.jdbc.url", jdbcUrl(service.database()));
        config.put("reprise.s3.endpoint", s3Endpoint());
        config.put("reprise.s3.access-key", s3AccessKey);
        config.put("reprise.s3.secret-key", s3SecretKey);
        config.put("reprise.s3.region", S3_REGION);
        config.put("mp.jwt.verify.publickey.location", jwtPublicKey.toString());
        config.put("mp.jwt.verify.issuer", LocalJwt.ISSUER);
        config.put("reprise.local.jwt.private-key-location", jwtPrivateKey.toString());
        config.put(INGEST_TOKEN_SECRET, ingestTokenSecret());
        return config;
    }

    /** recording-service's setting for the secret that signs ingest tokens. */
    public static final String INGEST_TOKEN_SECRET = "reprise.recording.ingest.token-secret";

    /**
     * The secret that signs recording-service's ingest tokens on this stack: derived from the stack's JWT signing
     * key, so it is as private, stays the same across restarts of one data directory, and needs no storing.
     */
    public String ingestTokenSecret() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(Files.readAllBytes(jwtPrivateKey));
            sha256.update("reprise ingest tokens".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha256.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jwtPrivateKey, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code <dataDir>/stack.json} atomically. */
    public void write() {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("pid", pid);
        root.put("startedAt", startedAt.toString());
        root.put("dataDir", dataDir.toString());
        ObjectNode kafka = root.putObject("kafka");
        kafka.put("port", kafkaPort);
        kafka.put("bootstrapServers", kafkaBootstrapServers());
        ObjectNode postgres = root.putObject("postgres");
        postgres.put("port", postgresPort);
        postgres.put("superuser", "postgres");
        postgres.put("superuserAuth", "trust, from 127.0.0.1 and ::1 only");
        ObjectNode roles = postgres.putObject("roles");
        databasePasswords.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode role = roles.putObject(e.getKey());
            role.put("database", e.getKey());
            role.put("password", e.getValue());
            role.put("jdbcUrl", jdbcUrl(e.getKey()));
        });
        ObjectNode s3 = root.putObject("s3");
        s3.put("port", s3Port);
        s3.put("endpoint", s3Endpoint());
        s3.put("accessKey", s3AccessKey);
        s3.put("secretKey", s3SecretKey);
        s3.put("region", S3_REGION);
        ObjectNode jwt = root.putObject("jwt");
        jwt.put("issuer", LocalJwt.ISSUER);
        jwt.put("privateKey", jwtPrivateKey.toString());
        jwt.put("publicKey", jwtPublicKey.toString());
        ObjectNode services = root.putObject("services");
        for (ServiceSpec service : ServiceSpec.ALL) {
            if (databasePasswords.containsKey(service.role())) {
                ObjectNode config = services.putObject(service.name());
                serviceConfig(service.name()).forEach(config::put);
            }
        }
        Path file = dataDir.resolve(FILE_NAME);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Support.ownerOnly(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads {@code <dataDir>/stack.json}. */
    public static StackInfo read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || root.path("formatVersion").asInt() != FORMAT_VERSION) {
            throw new IOException(file + " is not a stack description of format " + FORMAT_VERSION);
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        root.path("postgres").path("roles").fields()
                .forEachRemaining(e -> passwords.put(e.getKey(), e.getValue().path("password").asText()));
        JsonNode s3 = root.path("s3");
        JsonNode jwt = root.path("jwt");
        return new StackInfo(
                root.path("pid").asLong(),
                Instant.parse(root.path("startedAt").asText()),
                Path.of(root.path("dataDir").asText()),
                root.path("kafka").path("port").asInt(),
                root.path("postgres").path("port").asInt(),
                passwords,
                s3.path("port").asInt(),
                s3.path("accessKey").asText(),
                s3.path("secretKey").asText(),
                Path.of(jwt.path("privateKey").asText()),
                Path.of(jwt.path("publicKey").asText()));
    }

    /** The stack described by {@code <dataDir>/stack.json} if that file exists and its owner process is alive. */
    public static Optional<StackInfo> readRunning(Path dataDir) {
        if (!Files.isRegularFile(dataDir.resolve(FILE_NAME))) {
            return Optional.empty();
        }
        try {
            StackInfo info = read(dataDir);
            return info.ownerAlive() ? Optional.of(info) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "StackInfo[pid=" + pid + ", dataDir=" + dataDir + ", kafka=" + kafkaBootstrapServers()
                + ", postgres=127.0.0.1:" + postgresPort + ", s3=" + s3Endpoint() + "]";
    }
}
