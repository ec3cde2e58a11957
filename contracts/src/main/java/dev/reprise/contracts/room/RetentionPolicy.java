package dev.reprise.contracts.room;

/** What happens to a room's recording after the room ends. */
public enum RetentionPolicy {
    /** Kept for 30 days for moderation only, then deleted; never replayable by listeners. */
    MODERATION_30D,
    /** Deleted when the room ends. */
    EPHEMERAL,
    /** Kept as a replay of the room. */
    SAVED
}
