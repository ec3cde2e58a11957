package dev.reprise.platform.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.outbox")
public interface OutboxConfig {

    /** CloudEvents {@code source} of every event this service publishes. */
    @WithDefault("/reprise/${quarkus.application.name}")
    String source();

    /**
     * Largest event (key, data and headers) the outbox accepts; larger ones are refused when written. Below the
     * broker's {@code message.max.bytes} and the producer's {@code max.request.size} (1 MiB by default).
     */
    @WithDefault("1000000")
    int maxEventBytes();

    Relay relay();

    interface Relay {
        /** Off only for tests and maintenance: events then stay in the outbox until a relay runs. */
        @WithDefault("true")
        boolean enabled();

        /** How long an idle relay waits before looking for new rows. */
        @WithDefault("50ms")
        Duration pollInterval();

        /**
         * After a round that emptied every slot it took (no backlog), how long the relay lets new events gather
         * before the next round. Under steady load a round then carries tens of events instead of a few, so its fixed
         * cost (a database and a Kafka transaction, the broker's commit markers) is paid far less often; the join
         * benchmark measured that cost (bench/README.md). Adds at most this much to an event's delay.
         */
        @WithDefault("20ms")
        Duration linger();

        /**
         * Most rows published per round (one database and one Kafka transaction), over all the slots it took. A
         * round's fixed cost (slot locks, the Kafka commit) is spread over this many when a backlog drains:
         * 2,000 drained about 10,000 events/s on 2 cores where 500 drained about 7,000 (bench/README.md).
         */
        @WithDefault("2000")
        int batchSize();

        /**
         * Most slots (of {@link Outbox#SLOTS}) one relay takes per round, so that the replicas of a service share
         * the work; a relay alone still reaches every slot, since it starts each round at the next slot.
         */
        @WithDefault("8")
        int slotsPerRound();

        /**
         * How long the relay waits for the broker to acknowledge a round; also the producer's delivery timeout,
         * so nothing of an abandoned round can be delivered later.
         */
        @WithDefault("30s")
        Duration sendTimeout();

        /** Longest pause between attempts while the database or the broker is failing. */
        @WithDefault("10s")
        Duration maxBackoff();

        /** First wait before a key the broker refused for good is tried again; doubles up to an hour. */
        @WithDefault("30s")
        Duration blockedKeyRetry();
    }
}
