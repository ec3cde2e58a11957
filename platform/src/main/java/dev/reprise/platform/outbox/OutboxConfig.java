package dev.reprise.platform.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.outbox")
public interface OutboxConfig {

    /** CloudEvents {@code source} of every event this service publishes. */
    @WithDefault("/reprise/${quarkus.application.name}")
    String source();

    Relay relay();

    interface Relay {
        /** Off only for tests and maintenance: events then stay in the outbox until a relay runs. */
        @WithDefault("true")
        boolean enabled();

        /** How long an idle relay waits before looking for new rows. */
        @WithDefault("50ms")
        Duration pollInterval();

        /** Rows published per slot and transaction. */
        @WithDefault("500")
        int batchSize();

        /** How long the relay waits for the broker to acknowledge a batch before retrying it. */
        @WithDefault("30s")
        Duration sendTimeout();

        /** Longest pause between attempts while the database or the broker is failing. */
        @WithDefault("10s")
        Duration maxBackoff();
    }
}
