package dev.reprise.room.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.room")
public interface RoomConfig {

    /** Speakers a room may have besides its host. */
    @WithDefault("10")
    @Min(1)
    @Max(100)
    int maxSpeakers();

    /** How long a room stays up after its host left before it ends by itself. */
    @WithDefault("5m")
    Duration hostAbsenceGrace();

    /** How often replicas look for rooms whose host stayed away too long. */
    @WithDefault("15s")
    Duration hostAbsenceCheckInterval();
}
