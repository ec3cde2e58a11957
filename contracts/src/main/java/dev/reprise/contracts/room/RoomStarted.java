package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.started.v1}: a room went live.
 *
 * @param roomId    the room id
 * @param hostId    user id of the host
 * @param settings  the room settings in force from the start (recording services act on these)
 * @param startedAt when the room went live
 */
public record RoomStarted(UUID roomId, String hostId, RoomSettings settings, Instant startedAt) {

    public RoomStarted {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
