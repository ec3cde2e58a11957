package dev.reprise.platform.inbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.inbox")
public interface InboxConfig {

    /** First wait before a failing event (database down, conflict, time-out) is tried again; it doubles. */
    @WithDefault("200ms")
    Duration initialBackoff();

    /** Longest wait between tries; a transient failure is retried without limit while the partition waits. */
    @WithDefault("30s")
    Duration maxBackoff();

    /** Longest a handler's transaction may take before it is abandoned and tried again. */
    @WithDefault("60s")
    Duration attemptTimeout();

    /**
     * How long a processed event's id is remembered. Longer than any redelivery: a relay's duplicate comes within
     * seconds, a replay of a dead-letter topic or a rewound consumer within the topics' retention (7 days).
     */
    @WithDefault("14d")
    Duration retention();

    /** How often forgotten ids are pruned. */
    @WithDefault("1h")
    Duration pruneInterval();

    /** An event retried for longer than this makes the inbox health check DOWN. */
    @WithDefault("1m")
    Duration stuckAfter();
}
