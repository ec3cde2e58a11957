package dev.reprise.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.SharedStack;
import dev.reprise.stack.testing.TopicTail;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** One real stack for the whole class; the last test closes it and checks that nothing is left running. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalStackTest {

    private LocalStack stack;

    @BeforeAll
    void start() {
        stack = LocalStack.start(StackOptions.defaults());
        System.out.println("local stack start-up timings: " + stack.startupTimings());
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void reportsHowLongEachComponentTook() {
        Map<String, Duration> timings = stack.startupTimings();
        for (String key : List.of("postgres", "kafka.format", "kafka.broker", "kafka.topics", "kafka", "s3", "jwt",
                "total")) {
            assertTrue(timings.containsKey(key), "timing of " + key + " in " + timings);
            assertFalse(timings.get(key).isNegative());
        }
        Duration total = timings.get("total");
        for (String component : List.of("postgres", "kafka", "s3", "jwt")) {
            assertTrue(timings.get(component).compareTo(total) <= 0, component + " <= total");
        }
        assertTrue(stack.isTemporary());
    }

    @Test
    @Order(2)
    void kafkaHasEveryContractTopicWithItsPartitionCount() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafkaBootstrapServers()))) {
            Set<String> all = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            for (Topic topic : Topic.values()) {
                TopicDescription description = admin.describeTopics(List.of(topic.topicName())).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(topic.topicName());
                assertEquals(topic.partitions(), description.partitions().size(), topic.topicName());
                assertEquals(1, description.partitions().get(0).replicas().size());
            }
            for (ServiceSpec service : ServiceSpec.ALL) {
                String dlq = Topic.deadLetterTopic(service.name());
                assertTrue(all.contains(dlq), dlq + " in " + all);
                assertEquals(Topic.DEAD_LETTER_PARTITIONS, admin.describeTopics(List.of(dlq)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(dlq).partitions().size());
            }
            assertFalse(all.contains("reprise.unknown"));
        }
    }

    @Test
    @Order(3)
    void aProducedRecordIsConsumedBackAndAConsumerAtTheEndSkipsOlderRecords() throws Exception {
        String topic = Topic.ROOM.topicName();
        String key = "room-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", stack.kafkaBootstrapServers(), "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, "before".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            try (TopicTail tail = TopicTail.fromEnd(stack.kafkaBootstrapServers(), topic)) {
                producer.send(new ProducerRecord<>(topic, key, "after".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
                List<ConsumerRecord<String, byte[]>> records = tail.awaitRecords(r -> key.equals(r.key()), 1,
                        Duration.ofSeconds(20));
                assertEquals("after", new String(records.get(0).value(), StandardCharsets.UTF_8));
                List<ConsumerRecord<String, byte[]>> all = tail.recordsWithin(r -> key.equals(r.key()),
                        Duration.ofMillis(500));
                assertEquals(1, all.size(), "the record produced before the tail opened is not seen: " + all);
                AssertionError timeout = assertThrows(AssertionError.class, () -> tail.awaitRecords(
                        r -> "nobody".equals(r.key()), 1, Duration.ofMillis(300)));
                assertTrue(timeout.getMessage().contains("Expected 1 matching records"), timeout.getMessage());
            }
        }
    }

    @Test
    @Order(4)
    void eachServiceRoleUsesItsOwnDatabaseOnly() throws Exception {
        for (ServiceSpec service : ServiceSpec.ALL) {
            Map<String, String> config = stack.serviceConfig(service.name());
            String user = config.get("quarkus.datasource.username");
            String password = config.get("quarkus.datasource.password");
            assertEquals(service.database(), user);
            try (Connection c = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"), user, password);
                 Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT current_user, current_database(), version()")) {
                    assertTrue(rs.next());
                    assertEquals(user, rs.getString(1));
                    assertEquals(service.database(), rs.getString(2));
                    assertTrue(rs.getString(3).startsWith("PostgreSQL 17"), rs.getString(3));
                }
                s.execute("CREATE TABLE probe (id int PRIMARY KEY, note text)");
                s.execute("INSERT INTO probe VALUES (1, '" + service.name() + "')");
                try (ResultSet rs = s.executeQuery("SELECT note FROM probe")) {
                    assertTrue(rs.next());
                    assertEquals(service.name(), rs.getString(1));
                }
            }
            for (ServiceSpec other : ServiceSpec.ALL) {
                if (other.equals(service)) {
                    continue;
                }
                String url = stack.info().jdbcUrl(other.database());
                SQLException denied = assertThrows(SQLException.class,
                        () -> DriverManager.getConnection(url, user, password).close(),
                        user + " must not connect to " + other.database());
                assertEquals("42501", denied.getSQLState(), denied.getMessage());
            }
            SQLException denied = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    stack.info().jdbcUrl("postgres"), user, password).close());
            assertEquals("42501", denied.getSQLState(), denied.getMessage());
            SQLException badPassword = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    config.get("quarkus.datasource.jdbc.url"), user, password + "x").close());
            assertEquals("28P01", badPassword.getSQLState(), badPassword.getMessage());
        }
    }

    @Test
    @Order(5)
    void s3StoresObjectsServesRangesAndPresignedUrls() throws Exception {
        Map<String, String> config = stack.serviceConfig("recording-service");
        MinioClient minio = MinioClient.builder()
                .endpoint(config.get("reprise.s3.endpoint"))
                .credentials(config.get("reprise.s3.access-key"), config.get("reprise.s3.secret-key"))
                .region(config.get("reprise.s3.region"))
                .build();
        byte[] data = new byte[200_000];
        new Random(42).nextBytes(data);
        String bucket = "recordings";
        String object = "rooms/r-1/mix.opus";
        minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        minio.putObject(PutObjectArgs.builder().bucket(bucket).object(object)
                .stream(new ByteArrayInputStream(data), data.length, -1).contentType("audio/ogg").build());

        try (GetObjectResponse range = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(object)
                .offset(150_000L).length(1_234L).build())) {
            assertArrayEquals(Arrays.copyOfRange(data, 150_000, 151_234), range.readAllBytes());
        }

        String url = minio.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET)
                .bucket(bucket).object(object).expiry(10, TimeUnit.MINUTES).build());
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(data, response.body());
        HttpResponse<byte[]> unsigned = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(config.get("reprise.s3.endpoint") + "/" + bucket + "/" + object)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(403, unsigned.statusCode(), "anonymous access is refused");

        MinioClient wrongSecret = MinioClient.builder().endpoint(config.get("reprise.s3.endpoint"))
                .credentials(config.get("reprise.s3.access-key"), "wrong-secret").region("us-east-1").build();
        assertThrows(ErrorResponseException.class, wrongSecret::listBuckets);
    }

    @Test
    @Order(6)
    void mintedTokensVerifyWithThePublicKeyFile() throws Exception {
        Map<String, String> config = stack.serviceConfig("room-service");
        PublicKey publicKey = LocalJwt.readPublicKey(Path.of(config.get("mp.jwt.verify.publickey.location")));
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireSubject()
                .setExpectedIssuer(config.get("mp.jwt.verify.issuer"))
                .setVerificationKey(publicKey)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256)
                .build();

        String token = stack.mintToken("alice", LocalJwt.moderatorGroups());
        JwtClaims claims = consumer.processToClaims(token);
        assertEquals("alice", claims.getSubject());
        assertEquals("alice", claims.getStringClaimValue("upn"));
        assertEquals(Set.of("user", "moderator"), Set.copyOf(claims.getStringListClaimValue("groups")));
        assertEquals(LocalJwt.ISSUER, claims.getIssuer());
        long lifetime = claims.getExpirationTime().getValue() - Instant.now().getEpochSecond();
        assertTrue(Math.abs(lifetime - Duration.ofHours(12).toSeconds()) < 60, "exp in 12 h: " + lifetime);

        // the same key file that tests and the token command use
        String viaKeyFile = LocalJwt.mint(LocalJwt.readPrivateKey(Path.of(
                config.get("reprise.local.jwt.private-key-location"))), LocalJwt.ISSUER, "bob", LocalJwt.userGroups());
        assertEquals(List.of("user"), consumer.processToClaims(viaKeyFile).getStringListClaimValue("groups"));

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String forged = LocalJwt.mint(generator.generateKeyPair().getPrivate(), LocalJwt.ISSUER, "mallory",
                LocalJwt.moderatorGroups());
        assertThrows(InvalidJwtException.class, () -> consumer.processToClaims(forged));
    }

    @Test
    @Order(7)
    void serviceConfigNamesEveryKeyAndStackJsonDescribesTheStack() throws Exception {
        Map<String, String> config = stack.serviceConfig("clip-service");
        assertEquals(Set.of("kafka.bootstrap.servers", "quarkus.datasource.username", "quarkus.datasource.password",
                "quarkus.datasource.reactive.url", "quarkus.datasource.jdbc.url", "reprise.s3.endpoint",
                "reprise.s3.access-key", "reprise.s3.secret-key", "reprise.s3.region",
                "mp.jwt.verify.publickey.location", "mp.jwt.verify.issuer", "reprise.local.jwt.private-key-location",
                StackInfo.INGEST_TOKEN_SECRET), config.keySet());
        assertEquals(64, config.get(StackInfo.INGEST_TOKEN_SECRET).length());
        int pg = stack.postgresPort();
        assertEquals("postgresql://127.0.0.1:" + pg + "/clip", config.get("quarkus.datasource.reactive.url"));
        assertEquals("jdbc:postgresql://127.0.0.1:" + pg + "/clip", config.get("quarkus.datasource.jdbc.url"));
        assertEquals(stack.kafkaBootstrapServers(), config.get("kafka.bootstrap.servers"));
        assertTrue(config.get("kafka.bootstrap.servers").startsWith("127.0.0.1:"));
        assertEquals(stack.s3Endpoint(), config.get("reprise.s3.endpoint"));
        assertEquals("us-east-1", config.get("reprise.s3.region"));
        assertEquals("https://reprise.local", config.get("mp.jwt.verify.issuer"));
        assertTrue(Path.of(config.get("mp.jwt.verify.publickey.location")).isAbsolute());
        assertTrue(Files.isRegularFile(Path.of(config.get("reprise.local.jwt.private-key-location"))));
        assertNotEquals(stack.serviceConfig("room-service").get("quarkus.datasource.password"),
                config.get("quarkus.datasource.password"));
        assertThrows(IllegalArgumentException.class, () -> stack.serviceConfig("no-such-service"));

        StackInfo fromFile = StackInfo.read(stack.dataDir());
        assertEquals(ProcessHandle.current().pid(), fromFile.pid());
        assertTrue(fromFile.ownerAlive());
        for (ServiceSpec service : ServiceSpec.ALL) {
            assertEquals(stack.serviceConfig(service.name()), fromFile.serviceConfig(service.name()));
        }
    }

    @Test
    @Order(8)
    void theTestResourceAndSharedStackUseARunningStackInsteadOfStartingOne() {
        String previous = System.getProperty(SharedStack.DIR_PROPERTY);
        System.clearProperty(SharedStack.DIR_PROPERTY);
        try {
            // REPRISE_STACK_DIR names a running stack: it is used, none is started
            StackInfo reused = SharedStack.info(stack.dataDir().toString());
            assertEquals(stack.info().kafkaPort(), reused.kafkaPort());
            assertEquals(stack.dataDir().toString(), System.getProperty(SharedStack.DIR_PROPERTY));

            // later callers, whatever their class loader, get the same stack through the system property
            LocalStackTestResource resource = new LocalStackTestResource();
            resource.init(Map.of("service", "transcript-service"));
            Map<String, String> expected = new java.util.LinkedHashMap<>(stack.serviceConfig("transcript-service"));
            expected.put("mp.jwt.verify.publickey", "NONE"); // the key file wins over a Quarkus dev/test key
            assertEquals(expected, resource.start());
            resource.stop();
            assertTrue(stack.processes().stream().allMatch(ProcessHandle::isAlive), "stop() leaves the stack up");

            LocalStackTestResource unnamed = new LocalStackTestResource();
            assertThrows(IllegalArgumentException.class, () -> unnamed.init(Map.of()));
            assertThrows(IllegalArgumentException.class, () -> unnamed.init(Map.of("service", "nope")));
        } finally {
            if (previous == null) {
                System.clearProperty(SharedStack.DIR_PROPERTY);
            } else {
                System.setProperty(SharedStack.DIR_PROPERTY, previous);
            }
        }
    }

    @Test
    @Order(9)
    void aSecondStackCannotUseTheSameDataDirectory() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalStack.start(StackOptions.builder().dataDir(stack.dataDir()).build()));
        assertTrue(e.getMessage().contains("in use"), e.getMessage());
        assertTrue(Files.exists(stack.dataDir().resolve(StackInfo.FILE_NAME)), "the running stack is untouched");
    }

    @Test
    @Order(100)
    void closeStopsEveryProcessAndDeletesTheTemporaryData() throws Exception {
        List<ProcessHandle> processes = stack.processes();
        assertEquals(4, processes.size(), "kafka, s3proxy, postmaster, postgres watchdog: " + processes);
        assertTrue(processes.stream().allMatch(ProcessHandle::isAlive));
        List<ProcessHandle> descendants = ProcessHandle.current().descendants().collect(Collectors.toList());
        assertFalse(descendants.isEmpty());
        Path dataDir = stack.dataDir();

        stack.close();
        stack.close(); // idempotent

        for (ProcessHandle p : processes) {
            assertFalse(p.isAlive(), "still alive after close(): " + describe(p));
        }
        for (ProcessHandle p : descendants) {
            assertFalse(p.isAlive(), "child still alive after close(): " + describe(p));
        }
        List<String> alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(LocalStackTest::describe).collect(Collectors.toList());
        assertEquals(List.of(), alive);
        assertFalse(Files.exists(dataDir), "temporary data directory deleted");
        assertNull(null);
    }

    private static String describe(ProcessHandle p) {
        return p.pid() + " " + p.info().commandLine().orElse("?");
    }
}
