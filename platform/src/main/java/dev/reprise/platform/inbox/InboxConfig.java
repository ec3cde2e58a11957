package dev.reprise.platform.inbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.inbox")
public interface InboxConfig {

    /** Attempts for a failing event (database down, conflict) before it is dead-lettered. */
    @WithDefault("4")
    int attempts();

    @WithDefault("200ms")
    Duration initialBackoff();

    @WithDefault("5s")
    Duration maxBackoff();
}
