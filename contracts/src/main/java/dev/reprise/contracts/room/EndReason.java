package dev.reprise.contracts.room;

/** Why a room ended. */
public enum EndReason {
    /** The host ended the room. */
    HOST_ENDED,
    /** The room was ended because the host was absent too long. */
    HOST_ABSENT
}
