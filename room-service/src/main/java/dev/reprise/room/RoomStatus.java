package dev.reprise.room;

/** CREATED: set up, listeners may gather; LIVE: on air; ENDED: over for good. */
public enum RoomStatus {
    CREATED, LIVE, ENDED
}
