package dev.reprise.contracts.room;

/** The role of a participant in a room. */
public enum ParticipantRole {
    /** Created and runs the room. */
    HOST,
    /** May speak. */
    SPEAKER,
    /** Listens only. */
    LISTENER
}
