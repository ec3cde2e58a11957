package dev.reprise.contracts.room;

/** Why a participant left a room. */
public enum LeaveReason {
    /** The participant left on their own (or disconnected). */
    LEFT,
    /** The participant was removed by the host. */
    REMOVED
}
