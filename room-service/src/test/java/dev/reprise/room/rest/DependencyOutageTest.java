package dev.reprise.room.rest;

import static dev.reprise.room.rest.RoomApi.as;
import static dev.reprise.room.rest.RoomApi.createLiveRoom;
import static dev.reprise.room.rest.RoomApi.uniqueUser;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.reprise.platform.dependencies.DependencyFailures;
import dev.reprise.platform.dependencies.DependencyFailures.Dependency;
import dev.reprise.room.service.HostAbsenceMonitor;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.LogCapture;
import dev.reprise.stack.testing.StackFaults;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * With a dependency stopped or hung, the API answers quickly and honestly: 503 with Retry-After and a problem
 * naming the dependency, and readiness DOWN naming it, each within the test profile's short timeouts (2–3 s).
 * Every outage is undone in a finally block and the test waits, by polling, until the service has recovered: the
 * stack is shared with the other test classes.
 */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class DependencyOutageTest {

    /** Well above the test profile's timeouts, well below "hangs": what "answers promptly" means here. */
    private static final Duration PROMPTLY = Duration.ofSeconds(8);
    /** A hang fails the test instead of blocking it. */
    private static final RestAssuredConfig GIVE_UP_AFTER_20_S = RestAssuredConfig.config().httpClient(
            HttpClientConfig.httpClientConfig().setParam("http.socket.timeout", 20_000)
                    .setParam("http.connection.timeout", 5_000));
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Test
    void aStoppedDatabaseIs503WithRetryAfterNotA500() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        StackFaults.stopPostgres();
        try {
            databaseUnavailable(promptly(as(host), spec -> spec.get("/rooms")));
            databaseUnavailable(promptly(as(uniqueUser("guest")), spec -> spec.post("/rooms/{id}/join", roomId)));
            databaseUnavailable(promptly(as(host).body(Map.of("title", "Late show")), spec -> spec.post("/rooms")));
            databaseDown(promptly(given(), spec -> spec.get("/q/health/ready")));
        } finally {
            StackFaults.startPostgres();
        }
        awaitRecovery();
        as(uniqueUser("guest")).post("/rooms/{id}/join", roomId).then().statusCode(200);
    }

    /**
     * The host-absence check runs every 500 ms in tests: during an outage it says so once, without a stack trace,
     * and once more when it works again, instead of a stack trace at every run.
     */
    @Test
    void aDatabaseOutageIsLoggedOnceByTheScheduledCheckNotAtEveryRun() throws InterruptedException {
        try (LogCapture log = LogCapture.of(HostAbsenceMonitor.class.getName(), "io.quarkus.scheduler")) {
            StackFaults.stopPostgres();
            try {
                long deadline = System.nanoTime() + RECOVERY.toNanos();
                while (log.warnings().isEmpty()) {
                    assertThat(System.nanoTime()).as("the check noticed the outage").isLessThan(deadline);
                    Thread.sleep(100);
                }
                Thread.sleep(3_000); // the outage goes on through six more runs of the check
            } finally {
                StackFaults.startPostgres();
            }
            awaitRecovery();
            assertThat(log.warnings()).as("warnings during the outage").hasSize(1);
            assertThat(log.warnings().get(0).getThrown()).as("a stack trace").isNull();
            long deadline = System.nanoTime() + RECOVERY.toNanos();
            while (log.all().stream().noneMatch(record -> record.getMessage().startsWith("Checking for abandoned rooms again"))) {
                assertThat(System.nanoTime()).as("the check said it works again").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aHungDatabaseIs503WithinTheTimeoutsNotAHang() {
        String host = uniqueUser("host");
        String roomId = createLiveRoom(host, Map.of());
        as(host).get("/rooms").then().statusCode(200); // a pooled connection is warm when the server freezes
        StackFaults.freezePostgres();
        try {
            databaseUnavailable(promptly(as(host), spec -> spec.get("/rooms")));
            databaseUnavailable(promptly(as(uniqueUser("guest")), spec -> spec.post("/rooms/{id}/join", roomId)));
            databaseUnavailable(promptly(as(host).body(Map.of("title", "Late show")), spec -> spec.post("/rooms")));
            databaseDown(promptly(given(), spec -> spec.get("/q/health/ready")));
        } finally {
            StackFaults.thawPostgres();
        }
        awaitRecovery();
        as(uniqueUser("guest")).post("/rooms/{id}/join", roomId).then().statusCode(200);
    }

    /**
     * The case the REST test cannot pin down (the relay or the host-absence monitor may hold the warm connection):
     * a statement sent on an open connection just as the server stops answering fails within the socket timeout.
     */
    @Test
    void aStatementTheServerNeverAnswersFailsWithinTheSocketTimeout() {
        SqlConnection connection = pool.getConnection().await().atMost(PROMPTLY);
        try {
            connection.query("SELECT 1").execute().await().atMost(PROMPTLY);
            StackFaults.freezePostgres();
            long started = System.nanoTime();
            Throwable failure;
            try {
                connection.query("SELECT 1").execute().await().atMost(Duration.ofSeconds(20));
                failure = null;
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                StackFaults.thawPostgres();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PROMPTLY);
            assertThat(failure).as("the statement on the silent connection fails").isNotNull();
            assertThat(DependencyFailures.unavailable(failure)).contains(Dependency.DATABASE);
        } finally {
            connection.closeAndForget();
        }
        awaitRecovery();
    }

    @Test
    void aHungBrokerMakesReadinessDownWithinTheTimeout() {
        StackFaults.freezeKafka();
        try {
            promptly(given(), spec -> spec.get("/q/health/ready")).statusCode(503)
                    .body("checks.find { it.name.contains('Kafka') }.status", equalTo("DOWN"))
                    .body("checks.find { it.name.contains('PostgreSQL') }.status", equalTo("UP"));
        } finally {
            StackFaults.thawKafka();
        }
        awaitRecovery();
    }

    private static ValidatableResponse databaseUnavailable(ValidatableResponse response) {
        return response.statusCode(503).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9][0-9]*"))
                .body("status", equalTo(503))
                .body("type", equalTo("urn:reprise:problem:database-unavailable"))
                .body("detail", containsString("database"));
    }

    private static void databaseDown(ValidatableResponse readiness) {
        readiness.statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.findAll { it.name.contains('PostgreSQL') }.status", hasItem("DOWN"));
    }

    /** Sends the request and checks that the answer, whatever it is, came within {@link #PROMPTLY}. */
    private static ValidatableResponse promptly(RequestSpecification spec,
            Function<RequestSpecification, Response> send) {
        long started = System.nanoTime();
        Response response = send.apply(spec.config(GIVE_UP_AFTER_20_S));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("answered within %s (status %s)", PROMPTLY, response.statusCode()).isLessThan(PROMPTLY);
        return response.then();
    }

    /** Polls readiness until every dependency is UP again, so the next test finds the service as it was. */
    private static void awaitRecovery() {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (true) {
            try {
                if (given().config(GIVE_UP_AFTER_20_S).get("/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // e.g. a read timeout while the dependency comes back
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the service did not recover within " + RECOVERY);
            }
            try {
                Thread.sleep(200); // the polling interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
