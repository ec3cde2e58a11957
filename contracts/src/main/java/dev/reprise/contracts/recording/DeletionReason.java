package dev.reprise.contracts.recording;

/** Why a recording was deleted; it tells consumers what to do with what they derived from it. */
public enum DeletionReason {
    /** The host deleted the recording: clips of it are withdrawn (and its transcripts deleted). */
    HOST_DELETED,
    /**
     * The moderation window ({@link dev.reprise.contracts.room.RetentionPolicy#MODERATION_30D MODERATION_30D})
     * passed without the host saving the recording: published clips of it stay, because each was consented to on its
     * own; its transcripts are deleted.
     */
    RETENTION_EXPIRED,
    /**
     * The room's retention policy was {@link dev.reprise.contracts.room.RetentionPolicy#EPHEMERAL EPHEMERAL}: delete
     * the recording when the room ends. Its transcripts are deleted.
     */
    EPHEMERAL
}
