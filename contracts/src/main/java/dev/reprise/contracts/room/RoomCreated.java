package dev.reprise.contracts.room;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Data of {@code dev.reprise.room.created.v1}: a host created a room.
 *
 * @param roomId    the room id (also the record key and {@code ce_subject})
 * @param hostId    user id of the host
 * @param title     the room title shown to listeners
 * @param settings  the room settings at creation
 * @param createdAt when the room was created
 */
public record RoomCreated(UUID roomId, String hostId, String title, RoomSettings settings, Instant createdAt) {

    public RoomCreated {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
