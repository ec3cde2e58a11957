package dev.reprise.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link LocalStack#start(StackOptions)} starts the stack. {@link #defaults()} is what the tests use: a fresh
 * temporary data directory (deleted by {@link LocalStack#close()}) and free ports.
 */
public final class StackOptions {

    /** JVM options of the Kafka and s3proxy child JVMs besides the heap: quick start-up, small footprint. */
    public static final List<String> DEFAULT_CHILD_JVM_OPTIONS =
            List.of("-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k",
                    "-Djava.awt.headless=true");

    private final Path dataDir;
    private final int kafkaPort;
    private final int postgresPort;
    private final int s3Port;
    private final String childHeap;
    private final List<String> childJvmOptions;
    private final Duration startupTimeout;

    private StackOptions(Builder b) {
        this.dataDir = b.dataDir == null ? null : b.dataDir.toAbsolutePath().normalize();
        this.kafkaPort = checkPort(b.kafkaPort, "kafkaPort");
        this.postgresPort = checkPort(b.postgresPort, "postgresPort");
        this.s3Port = checkPort(b.s3Port, "s3Port");
        this.childHeap = Objects.requireNonNull(b.childHeap, "childHeap");
        this.childJvmOptions = List.copyOf(b.childJvmOptions);
        this.startupTimeout = Objects.requireNonNull(b.startupTimeout, "startupTimeout");
    }

    private static int checkPort(int port, String what) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " must be 0 (any free port) or 1..65535: " + port);
        }
        return port;
    }

    /** Temporary data directory, free ports, 512m heap for each child JVM. */
    public static StackOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The data directory, or null for a fresh temporary one that {@link LocalStack#close()} deletes. */
    public Path dataDir() {
        return dataDir;
    }

    /** Kafka PLAINTEXT listener port, 0 for a free port. */
    public int kafkaPort() {
        return kafkaPort;
    }

    /** PostgreSQL port, 0 for a free port. */
    public int postgresPort() {
        return postgresPort;
    }

    /** S3 (s3proxy) port, 0 for a free port. */
    public int s3Port() {
        return s3Port;
    }

    /** Maximum heap of each child JVM (Kafka, s3proxy), as for {@code -Xmx}: e.g. {@code 512m}. */
    public String childHeap() {
        return childHeap;
    }

    /** Further JVM options of the child JVMs. */
    public List<String> childJvmOptions() {
        return childJvmOptions;
    }

    /** How long each component may take to become ready. */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    public Builder toBuilder() {
        return new Builder().dataDir(dataDir).kafkaPort(kafkaPort).postgresPort(postgresPort).s3Port(s3Port)
                .childHeap(childHeap).childJvmOptions(childJvmOptions).startupTimeout(startupTimeout);
    }

    @Override
    public String toString() {
        return "StackOptions[dataDir=" + (dataDir == null ? "(temporary)" : dataDir) + ", kafkaPort=" + kafkaPort
                + ", postgresPort=" + postgresPort + ", s3Port=" + s3Port + ", childHeap=" + childHeap
                + ", childJvmOptions=" + childJvmOptions + ", startupTimeout=" + startupTimeout + "]";
    }

    public static final class Builder {
        private Path dataDir;
        private int kafkaPort;
        private int postgresPort;
        private int s3Port;
        private String childHeap = "512m";
        private List<String> childJvmOptions = DEFAULT_CHILD_JVM_OPTIONS;
        private Duration startupTimeout = Duration.ofSeconds(120);

        private Builder() {
        }

        /** A persistent data directory (created if needed, reused across starts); null for a temporary one. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            return this;
        }

        public Builder postgresPort(int port) {
            this.postgresPort = port;
            return this;
        }

        public Builder s3Port(int port) {
            this.s3Port = port;
            return this;
        }

        public Builder childHeap(String childHeap) {
            this.childHeap = childHeap;
            return this;
        }

        public Builder childJvmOptions(List<String> options) {
            this.childJvmOptions = List.copyOf(options);
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        public StackOptions build() {
            return new StackOptions(this);
        }
    }
}
