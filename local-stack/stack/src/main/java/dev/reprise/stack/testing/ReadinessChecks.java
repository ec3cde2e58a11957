package dev.reprise.stack.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.containsString;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every service shows once started on the local stack: ready, with a check per dependency it
 * connects to, plus Prometheus metrics and an OpenAPI document, none of which need a token.
 */
public abstract class ReadinessChecks {

    /** A part of the name of each readiness check the service must report UP, e.g. "PostgreSQL". */
    protected abstract List<String> expectedChecks();

    @Test
    void isReadyWithEveryDependencyConnected() {
        var ready = given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        for (String check : expectedChecks()) {
            ready.body("checks.findAll { it.name.contains('" + check + "') }.status", hasItem("UP"));
        }
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exposesMetricsAndOpenApiWithoutAToken() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
        given().get("/q/openapi?format=json").then().statusCode(200).body("openapi", org.hamcrest.Matchers.startsWith("3."));
    }
}
