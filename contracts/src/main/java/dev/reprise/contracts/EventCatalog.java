package dev.reprise.contracts;

import dev.reprise.contracts.recording.RecordingDeleted;
import dev.reprise.contracts.recording.RecordingEdited;
import dev.reprise.contracts.recording.RecordingFinalized;
import dev.reprise.contracts.room.ParticipantJoined;
import dev.reprise.contracts.room.ParticipantLeft;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.contracts.room.SpeakerInvited;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every event type of the contract.
 *
 * <p>To add an event: a record for its data, a JSON Schema under {@code src/main/resources/schemas/<domain>/},
 * a constant here (and in {@link #all()}), and a message in the AsyncAPI document. The contract tests fail until
 * all four agree.
 */
public final class EventCatalog {

    /** A host created a room (scheduled or about to go live). Published by room-service. */
    public static final EventType<RoomCreated> ROOM_CREATED = new EventType<>(
            "dev.reprise.room.created.v1", Topic.ROOM, RoomCreated.class,
            "schemas/room/room.created.v1.json");

    /** A room went live. Published by room-service. */
    public static final EventType<RoomStarted> ROOM_STARTED = new EventType<>(
            "dev.reprise.room.started.v1", Topic.ROOM, RoomStarted.class,
            "schemas/room/room.started.v1.json");

    /** A user joined a room. Published by room-service. */
    public static final EventType<ParticipantJoined> PARTICIPANT_JOINED = new EventType<>(
            "dev.reprise.room.participant.joined.v1", Topic.ROOM, ParticipantJoined.class,
            "schemas/room/room.participant.joined.v1.json");

    /** The host invited a listener to speak. Published by room-service. */
    public static final EventType<SpeakerInvited> SPEAKER_INVITED = new EventType<>(
            "dev.reprise.room.speaker.invited.v1", Topic.ROOM, SpeakerInvited.class,
            "schemas/room/room.speaker.invited.v1.json");

    /** A listener accepted an invitation and is now a speaker. Published by room-service. */
    public static final EventType<SpeakerAdded> SPEAKER_ADDED = new EventType<>(
            "dev.reprise.room.speaker.added.v1", Topic.ROOM, SpeakerAdded.class,
            "schemas/room/room.speaker.added.v1.json");

    /** A speaker changed their mind about being recorded, mid-room. Published by room-service. */
    public static final EventType<SpeakerConsentChanged> SPEAKER_CONSENT_CHANGED = new EventType<>(
            "dev.reprise.room.speaker.consent.changed.v1", Topic.ROOM, SpeakerConsentChanged.class,
            "schemas/room/room.speaker.consent.changed.v1.json");

    /** A participant left a room or was removed. Published by room-service. */
    public static final EventType<ParticipantLeft> PARTICIPANT_LEFT = new EventType<>(
            "dev.reprise.room.participant.left.v1", Topic.ROOM, ParticipantLeft.class,
            "schemas/room/room.participant.left.v1.json");

    /** A room ended. Published by room-service. */
    public static final EventType<RoomEnded> ROOM_ENDED = new EventType<>(
            "dev.reprise.room.ended.v1", Topic.ROOM, RoomEnded.class,
            "schemas/room/room.ended.v1.json");

    /** A room's recording was built and stored (first version). Published by recording-service. */
    public static final EventType<RecordingFinalized> RECORDING_FINALIZED = new EventType<>(
            "dev.reprise.recording.finalized.v1", Topic.RECORDING, RecordingFinalized.class,
            "schemas/recording/recording.finalized.v1.json");

    /**
     * The host made a new version of a recording by cutting it; its kept ranges re-time derived data. Published by
     * recording-service.
     */
    public static final EventType<RecordingEdited> RECORDING_EDITED = new EventType<>(
            "dev.reprise.recording.edited.v1", Topic.RECORDING, RecordingEdited.class,
            "schemas/recording/recording.edited.v1.json");

    /**
     * Every object of every version of a recording was removed from object storage; derived data must follow.
     * Published by recording-service.
     */
    public static final EventType<RecordingDeleted> RECORDING_DELETED = new EventType<>(
            "dev.reprise.recording.deleted.v1", Topic.RECORDING, RecordingDeleted.class,
            "schemas/recording/recording.deleted.v1.json");

    private static final List<EventType<?>> ALL = List.of(
            ROOM_CREATED,
            ROOM_STARTED,
            PARTICIPANT_JOINED,
            SPEAKER_INVITED,
            SPEAKER_ADDED,
            SPEAKER_CONSENT_CHANGED,
            PARTICIPANT_LEFT,
            ROOM_ENDED,
            RECORDING_FINALIZED,
            RECORDING_EDITED,
            RECORDING_DELETED);

    // Collectors.toMap throws on a duplicate type, so a copy-paste mistake fails at class initialisation.
    private static final Map<String, EventType<?>> BY_TYPE = ALL.stream()
            .collect(Collectors.toUnmodifiableMap(EventType::type, Function.identity()));

    private EventCatalog() {
    }

    /** All event types, in catalogue order; the list is unmodifiable. */
    public static List<EventType<?>> all() {
        return ALL;
    }

    /**
     * Looks an event type up by its {@code ce_type} header value.
     *
     * @return the event type, or empty if unknown (or {@code null})
     */
    public static Optional<EventType<?>> byType(String ceType) {
        return ceType == null ? Optional.empty() : Optional.ofNullable(BY_TYPE.get(ceType));
    }

    /** All event types published to a topic, in catalogue order. */
    public static List<EventType<?>> onTopic(Topic topic) {
        return ALL.stream().filter(t -> t.topic() == topic).collect(Collectors.toUnmodifiableList());
    }
}
