package dev.reprise.stack;

import dev.reprise.contracts.Topic;
import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ParentWatchingMain;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A single-node KRaft Kafka broker (broker + controller) in a child JVM. */
final class KafkaBroker {

    static final String CLASSPATH_RESOURCE = "reprise-stack/kafka.classpath";
    private static final System.Logger LOG = System.getLogger(LocalStack.class.getName());

    private final ChildJvm process;
    private final int port;

    private KafkaBroker(ChildJvm process, int port) {
        this.process = process;
        this.port = port;
    }

    ChildJvm process() {
        return process;
    }

    int port() {
        return port;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** All topics of the suite with their partition counts: the contract topics and one dead-letter topic per service. */
    static Map<String, Integer> expectedTopics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (Topic topic : Topic.values()) {
            topics.put(topic.topicName(), topic.partitions());
        }
        for (ServiceSpec service : ServiceSpec.ALL) {
            topics.put(Topic.deadLetterTopic(service.name()), Topic.DEAD_LETTER_PARTITIONS);
        }
        return topics;
    }

    static KafkaBroker start(Path dir, Path logs, int port, boolean temporary, StackOptions options,
            Map<String, Duration> timings) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + options.startupTimeout().toNanos();
        String classpath = Support.runtimeClasspath(CLASSPATH_RESOURCE, "kafka");
        Path logDirs = dir.resolve("data");
        Files.createDirectories(logDirs);
        int controllerPort = Support.freePort();

        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, serverProperties(port, controllerPort, logDirs), StandardCharsets.UTF_8);
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, LOG4J2, StandardCharsets.UTF_8);

        List<String> jvm = new ArrayList<>();
        jvm.add("-Xmx" + options.childHeap());
        jvm.addAll(options.childJvmOptions());
        jvm.add("-Dlog4j2.configurationFile=" + log4j.toAbsolutePath());
        jvm.add("-D" + ParentWatchingMain.GRACE_PROPERTY + "=" + (temporary ? 0 : 20_000));

        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            String clusterId = clusterId();
            ChildJvm format = ChildJvm.start("kafka-format", jvm, classpath, "kafka.tools.StorageTool",
                    List.of("format", "-t", clusterId, "-c", properties.toAbsolutePath().toString()),
                    dir, logs.resolve("kafka.log"), null);
            OptionalInt exit = format.waitForExit(remaining(deadline));
            if (exit.isEmpty()) {
                format.stop(Duration.ofSeconds(1));
                throw Support.childFailure(format, "formatting the Kafka storage timed out");
            }
            if (exit.getAsInt() != 0) {
                throw Support.childFailure(format, "formatting the Kafka storage failed (exit " + exit.getAsInt() + ")");
            }
            timings.put("kafka.format", Duration.ofNanos(System.nanoTime() - t0));
        }

        long t1 = System.nanoTime();
        ChildJvm broker = ChildJvm.start("kafka", jvm, classpath, "kafka.Kafka",
                List.of(properties.toAbsolutePath().toString()), dir, logs.resolve("kafka.log"), null);
        KafkaBroker kafka = new KafkaBroker(broker, port);
        try {
            kafka.awaitListener(deadline);
            Admin admin = Admin.create(adminConfig(kafka.bootstrapServers()));
            try {
                kafka.awaitCluster(admin, deadline);
                timings.put("kafka.broker", Duration.ofNanos(System.nanoTime() - t1));
                long t2 = System.nanoTime();
                kafka.createTopics(admin, deadline);
                timings.put("kafka.topics", Duration.ofNanos(System.nanoTime() - t2));
            } finally {
                admin.close(Duration.ofSeconds(2));
            }
        } catch (Throwable e) {
            broker.stop(Duration.ofSeconds(5));
            throw e;
        }
        timings.put("kafka", Duration.ofNanos(System.nanoTime() - t0));
        return kafka;
    }

    static Map<String, Object> adminConfig(String bootstrapServers) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "reprise-local-stack");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250);
        config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        config.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250);
        return config;
    }

    /** Waits until the PLAINTEXT listener accepts TCP connections (before any Kafka client tries, to keep logs quiet). */
    private void awaitListener(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw Support.childFailure(process, "the Kafka broker exited during start-up (exit "
                        + process.process().exitValue() + ")");
            }
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw Support.childFailure(process, "the Kafka broker did not listen on port " + port + " in time");
    }

    private void awaitCluster(Admin admin, long deadline) throws InterruptedException {
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw Support.childFailure(process, "the Kafka broker exited during start-up (exit "
                        + process.process().exitValue() + ")");
            }
            try {
                if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                        .get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw Support.childFailure(process, "the Kafka broker on port " + port + " did not become ready in time"
                + (last == null ? "" : " (last error: " + last + ")"));
    }

    private void createTopics(Admin admin, long deadline) throws InterruptedException {
        Map<String, Integer> pending = new LinkedHashMap<>(expectedTopics());
        Exception last = null;
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw Support.childFailure(process, "could not create the Kafka topics " + pending.keySet()
                        + " in time (last error: " + last + ")");
            }
            List<NewTopic> newTopics = new ArrayList<>();
            pending.forEach((name, partitions) -> newTopics.add(new NewTopic(name, partitions, (short) 1)));
            Map<String, org.apache.kafka.common.KafkaFuture<Void>> results = admin.createTopics(newTopics).values();
            List<String> existing = new ArrayList<>();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    result.getValue().get(15, TimeUnit.SECONDS);
                    pending.remove(result.getKey());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        existing.add(result.getKey());
                    } else {
                        last = e; // e.g. the broker is not registered yet: retry
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    last = e;
                }
            }
            if (!existing.isEmpty()) {
                growPartitions(admin, existing, pending);
                existing.forEach(pending::remove);
            }
            if (!pending.isEmpty()) {
                Thread.sleep(200);
            }
        }
    }

    /** A persistent stack keeps its topics; a topic with fewer partitions than the contract says is grown. */
    private void growPartitions(Admin admin, List<String> existing, Map<String, Integer> expected)
            throws InterruptedException {
        try {
            Map<String, TopicDescription> descriptions = admin.describeTopics(existing).allTopicNames()
                    .get(15, TimeUnit.SECONDS);
            Map<String, NewPartitions> grow = new LinkedHashMap<>();
            for (TopicDescription description : descriptions.values()) {
                int want = expected.get(description.name());
                int have = description.partitions().size();
                if (have < want) {
                    grow.put(description.name(), NewPartitions.increaseTo(want));
                } else if (have > want) {
                    LOG.log(System.Logger.Level.WARNING, "topic {0} has {1} partitions, the contract says {2}",
                            description.name(), have, want);
                }
            }
            if (!grow.isEmpty()) {
                admin.createPartitions(grow).all().get(15, TimeUnit.SECONDS);
                LOG.log(System.Logger.Level.INFO, "grew the partitions of {0}", grow.keySet());
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot check the partitions of the existing topics " + existing, e);
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /**
     * A random cluster id as Kafka expects it: a base64url UUID of 22 characters. Never one starting with '-',
     * which the storage tool's argument parser takes for an option (one start in 64 failed that way).
     */
    static String clusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(16);
            buffer.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    static String serverProperties(int port, int controllerPort, Path logDirs) {
        return String.join("\n",
                "# Written by the Reprise local stack on every start: single-node KRaft (broker + controller).",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + logDirs.toAbsolutePath(),
                "auto.create.topics.enable=false",
                "num.partitions=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=6",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.network.threads=2",
                "num.io.threads=4",
                "num.recovery.threads.per.data.dir=1",
                "background.threads=4",
                "log.retention.hours=168",
                "");
    }

    private static final String LOG4J2 = String.join("\n",
            "# Written by the Reprise local stack: Kafka logs to stdout, which goes to <data>/logs/kafka.log",
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = STDOUT",
            "appender.out.target = SYSTEM_OUT",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p [%c{1}] %m%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.out.ref = STDOUT",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = warn",
            "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
            "logger.config.level = warn",
            "logger.state.name = state.change.logger",
            "logger.state.level = warn",
            "");
}
