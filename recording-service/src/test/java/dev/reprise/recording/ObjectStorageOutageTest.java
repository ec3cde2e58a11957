package dev.reprise.recording;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.StackFaults;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A hung object store: readiness says so within its bound, instead of hanging with the store. */
@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "recording-service"))
class ObjectStorageOutageTest {

    /** Far above the check's 3 s bound, far below minio's own five-minute default. */
    private static final int CLIENT_TIMEOUT_MS = 20_000;

    @Test
    void aHungObjectStoreMakesReadinessDownWithinItsBoundAndUpWhenItAnswersAgain() throws Exception {
        given().get("/q/health/ready").then().statusCode(200);
        StackFaults.freezeObjectStorage();
        try {
            Response ready = given().config(RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                    .setParam("http.socket.timeout", CLIENT_TIMEOUT_MS)
                    .setParam("http.connection.timeout", CLIENT_TIMEOUT_MS)))
                    .get("/q/health/ready");
            ready.then().statusCode(503)
                    .body("checks.find { it.name == 'object-storage' }.status", equalTo("DOWN"));
            assertThat(ready.body().jsonPath().getString("checks.find { it.name == 'object-storage' }.data.error"))
                    .containsIgnoringCase("timeout");
        } finally {
            StackFaults.thawObjectStorage();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready again once the store answers").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
