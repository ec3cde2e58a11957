package dev.reprise.room.service;

import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.LeaveReason;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RoomSettings;
import dev.reprise.platform.problem.ProblemException;
import dev.reprise.room.Participant;
import dev.reprise.room.Room;
import dev.reprise.room.RoomStatus;
import dev.reprise.room.TimelineEntry;
import dev.reprise.room.TimelineEntry.Kind;
import dev.reprise.room.config.RoomConfig;
import dev.reprise.room.messaging.RoomEvents;
import dev.reprise.room.repository.ParticipantRepository;
import dev.reprise.room.repository.PresenceRepository;
import dev.reprise.platform.sql.PipelinedTransaction.Change;
import dev.reprise.room.repository.PresenceRepository.LockedRoom;
import dev.reprise.room.repository.RoomRepository;
import dev.reprise.room.repository.TimelineRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The room lifecycle. Each change runs in one transaction that locks the room row, writes the new
 * state and its timeline entry, and adds the event to the outbox: all of it commits or none does.
 * Joins, leaves and removals, the bulk of the traffic, take the leaner path of {@link PresenceRepository}.
 */
@ApplicationScoped
public class RoomService {

    private static final Logger LOG = Logger.getLogger(RoomService.class);

    private final RoomRepository rooms;
    private final ParticipantRepository participants;
    private final TimelineRepository timeline;
    private final PresenceRepository presence;
    private final RoomEvents events;
    private final RoomConfig config;

    public RoomService(RoomRepository rooms, ParticipantRepository participants, TimelineRepository timeline,
            PresenceRepository presence, RoomEvents events, RoomConfig config) {
        this.rooms = rooms;
        this.participants = participants;
        this.timeline = timeline;
        this.presence = presence;
        this.events = events;
        this.config = config;
    }

    @WithTransaction
    public Uni<RoomDetails> create(String hostId, String title, RoomSettings settings) {
        try {
            validate(settings);
        } catch (ProblemException invalid) {
            return Uni.createFrom().failure(invalid);
        }
        Instant now = now();
        Room room = Room.create(hostId, title.strip(), settings, now);
        Participant host = Participant.arrive(room.id, hostId, ParticipantRole.HOST, now);
        return rooms.persist(room)
                .call(() -> participants.persist(host))
                .call(() -> record(room, now, Kind.ROOM_CREATED, hostId, ParticipantRole.HOST, room.title))
                .call(() -> events.created(room))
                .invoke(() -> LOG.infof("Room %s created by %s", room.id, hostId))
                .map(ignored -> new RoomDetails(room, List.of(host)));
    }

    @WithTransaction
    public Uni<RoomDetails> start(UUID roomId, String callerId) {
        return lockRoom(roomId).flatMap(room -> {
            requireHost(room.hostId, room.id, callerId, "start");
            if (room.status == RoomStatus.LIVE) {
                return details(room);
            }
            requireNotEnded(room.hasEnded(), room.id);
            room.start(now());
            return record(room, room.startedAt, Kind.ROOM_STARTED, callerId, ParticipantRole.HOST, null)
                    .call(() -> events.started(room))
                    .invoke(() -> LOG.infof("Room %s is live", room.id))
                    .flatMap(ignored -> details(room));
        });
    }

    /** Joins as a listener (the host rejoins as host). Joining again while present changes nothing. */
    public Uni<Participant> join(UUID roomId, String userId) {
        return presence.change(roomId, userId, (tx, room) -> {
            requireFound(room, roomId);
            requireNotEnded(room.hasEnded(), roomId);
            if (room.isPresent()) {
                return Change.none(room.participant());
            }
            Instant now = now();
            ParticipantRole role = room.isHost(userId) ? ParticipantRole.HOST : ParticipantRole.LISTENER;
            Participant participant = room.participant() == null
                    ? Participant.arrive(roomId, userId, role, now)
                    : room.participant().rejoin(role, now);
            TimelineEntry entry = TimelineEntry.of(roomId, now, Kind.JOINED, userId, role, null);
            return new Change<>(participant,
                    List.of(presence.arrive(tx, participant, entry, events.joined(participant))));
        });
    }

    @WithTransaction
    public Uni<Participant> invite(UUID roomId, String callerId, String userId) {
        return lockRoom(roomId).flatMap(room -> {
            requireHost(room.hostId, room.id, callerId, "invite speakers in");
            requireNotEnded(room.hasEnded(), room.id);
            return participants.findInRoom(roomId, userId).flatMap(participant -> {
                if (participant == null || !participant.present || participant.role != ParticipantRole.LISTENER) {
                    throw ProblemException.conflict("not-a-listener", "Not a listener",
                            "User " + userId + " is not a listener in this room; only listeners present can be invited.");
                }
                if (participant.isInvited()) {
                    return Uni.createFrom().item(participant);
                }
                return requireSpeakerSeat(roomId).flatMap(ignored -> {
                    participant.invitedAt = now();
                    return record(room, participant.invitedAt, Kind.INVITED_TO_SPEAK, userId, participant.role,
                            "invited by " + callerId)
                            .call(() -> events.invited(room, participant, callerId))
                            .replaceWith(participant);
                });
            });
        });
    }

    /** The invited listener becomes a speaker and says, once and for this stint, whether they may be recorded. */
    @WithTransaction
    public Uni<Participant> acceptInvitation(UUID roomId, String callerId, String userId, boolean recordingConsent) {
        if (!callerId.equals(userId)) {
            return Uni.createFrom().failure(
                    ProblemException.forbidden("Only " + userId + " can accept their own invitation."));
        }
        return lockRoom(roomId).flatMap(room -> {
            requireNotEnded(room.hasEnded(), room.id);
            return participants.findInRoom(roomId, userId).flatMap(participant -> {
                if (participant != null && participant.present && participant.role == ParticipantRole.SPEAKER) {
                    return Uni.createFrom().item(participant);
                }
                if (participant == null || !participant.present || !participant.isInvited()) {
                    throw ProblemException.conflict("no-invitation", "No invitation",
                            "User " + userId + " has no open invitation to speak in this room.");
                }
                return requireSpeakerSeat(roomId).flatMap(ignored -> {
                    Instant now = now();
                    participant.becomeSpeaker(recordingConsent);
                    return record(room, now, Kind.BECAME_SPEAKER, userId, ParticipantRole.SPEAKER,
                            recordingConsent ? "agreed to be recorded" : "declined to be recorded")
                            .call(() -> events.speakerAdded(room, participant, now))
                            .replaceWith(participant);
                });
            });
        });
    }

    /**
     * A speaker changes their mind about being recorded, from now on. Only the speaker decides; saying what was
     * already said changes nothing and emits nothing.
     */
    @WithTransaction
    public Uni<Participant> changeRecordingConsent(UUID roomId, String callerId, String userId, boolean consent) {
        if (!callerId.equals(userId)) {
            return Uni.createFrom().failure(ProblemException.forbidden(
                    "Only " + userId + " can say whether they may be recorded."));
        }
        return lockRoom(roomId).flatMap(room -> {
            requireNotEnded(room.hasEnded(), room.id);
            return participants.findInRoom(roomId, userId).flatMap(participant -> {
                if (participant == null || !participant.present || participant.role != ParticipantRole.SPEAKER) {
                    throw ProblemException.conflict("not-a-speaker", "Not a speaker",
                            "User " + userId + " is not a speaker in this room.");
                }
                if (Boolean.valueOf(consent).equals(participant.recordingConsent)) {
                    return Uni.createFrom().item(participant);
                }
                Instant now = now();
                participant.recordingConsent = consent;
                return record(room, now, Kind.RECORDING_CONSENT_CHANGED, userId, ParticipantRole.SPEAKER,
                        consent ? "agreed to be recorded from now on" : "withdrew consent to be recorded")
                        .call(() -> events.speakerConsentChanged(room, participant, now))
                        .replaceWith(participant);
            });
        });
    }

    /** Leaving twice, or leaving a room one never joined, changes nothing. */
    public Uni<Void> leave(UUID roomId, String userId) {
        return presence.change(roomId, userId,
                (tx, room) -> depart(tx, requireFound(room, roomId), LeaveReason.LEFT, null));
    }

    public Uni<Void> remove(UUID roomId, String callerId, String userId) {
        return presence.change(roomId, userId, (tx, room) -> {
            requireFound(room, roomId);
            requireHost(room.hostId(), roomId, callerId, "remove participants from");
            if (room.isHost(userId)) {
                throw ProblemException.conflict("host-not-removable", "Host cannot be removed",
                        "The host leaves or ends the room instead.");
            }
            return depart(tx, room, LeaveReason.REMOVED, callerId);
        });
    }

    /** The host, or a moderator, ends the room. Ending an ended room changes nothing. */
    @WithTransaction
    public Uni<RoomDetails> end(UUID roomId, String callerId, boolean callerIsModerator) {
        return lockRoom(roomId).flatMap(room -> {
            if (!room.isHost(callerId) && !callerIsModerator) {
                throw ProblemException.forbidden("Only the host or a moderator can end room " + roomId + ".");
            }
            if (room.hasEnded()) {
                return details(room);
            }
            return endRoom(room, EndReason.HOST_ENDED, callerId).flatMap(ignored -> details(room));
        });
    }

    /** Ends one room whose host stayed away too long; re-checked under the lock, so replicas never end it twice. */
    @WithTransaction
    public Uni<Boolean> endIfHostAbsent(UUID roomId) {
        return lockRoom(roomId).flatMap(room -> {
            if (!room.hostAbsentLongerThan(config.hostAbsenceGrace(), now())) {
                return Uni.createFrom().item(false);
            }
            LOG.infof("Ending room %s: its host has been away since %s", room.id, room.hostAbsentSince);
            return endRoom(room, EndReason.HOST_ABSENT, room.hostId).replaceWith(true);
        });
    }

    @WithSession
    public Uni<List<UUID>> roomsWithHostAbsentTooLong() {
        return rooms.idsWithHostAbsentSince(now().minus(config.hostAbsenceGrace()));
    }

    @WithSession
    public Uni<RoomDetails> get(UUID roomId) {
        return rooms.findById(roomId).flatMap(room -> details(requireFound(room, roomId)));
    }

    @WithSession
    public Uni<LivePage> listLive(int page, int size) {
        return rooms.listLive(page, size).flatMap(items -> rooms.countLive()
                .map(total -> new LivePage(items, page, size, total)));
    }

    /** The host, moderators, and anyone who has been in the room may read its timeline. */
    @WithSession
    public Uni<List<TimelineEntry>> timeline(UUID roomId, String callerId, boolean callerIsModerator) {
        return rooms.findById(roomId).flatMap(found -> {
            Room room = requireFound(found, roomId);
            Uni<Boolean> allowed = room.isHost(callerId) || callerIsModerator
                    ? Uni.createFrom().item(true)
                    : participants.findInRoom(roomId, callerId).map(p -> p != null);
            return allowed.flatMap(ok -> {
                if (!ok) {
                    throw ProblemException.forbidden("Only the host, moderators and participants can read the timeline of room " + roomId + ".");
                }
                return timeline.forRoom(roomId);
            });
        });
    }

    public record LivePage(List<Room> rooms, int page, int size, long total) {
    }

    private Uni<Void> endRoom(Room room, EndReason reason, String actorId) {
        Instant now = now();
        room.end(reason, now);
        return participants.markAllGone(room.id, now)
                .call(() -> record(room, now, Kind.ROOM_ENDED, actorId, null, reason.name()))
                .call(() -> events.ended(room))
                .invoke(() -> LOG.infof("Room %s ended (%s)", room.id, reason))
                .replaceWithVoid();
    }

    /**
     * A present participant leaves or is removed; anyone else, or an ended room, changes nothing. When the
     * host leaves, the room ends unless they are back within the grace period.
     */
    private Change<Void> depart(SqlConnection tx, LockedRoom room, LeaveReason reason, String removedBy) {
        if (room.hasEnded() || !room.isPresent()) {
            return Change.none(null);
        }
        Instant now = now();
        Participant participant = room.participant();
        participant.leave(now);
        Kind kind = reason == LeaveReason.REMOVED ? Kind.REMOVED : Kind.LEFT;
        TimelineEntry entry = TimelineEntry.of(room.roomId(), now, kind, participant.userId, participant.role,
                removedBy == null ? null : "removed by " + removedBy);
        return new Change<>(null,
                List.of(presence.depart(tx, participant, entry, events.left(participant, reason, removedBy))));
    }

    private Uni<RoomDetails> details(Room room) {
        return participants.listPresent(room.id).map(present -> new RoomDetails(room, present));
    }

    private Uni<Room> lockRoom(UUID roomId) {
        return rooms.findForUpdate(roomId).map(room -> requireFound(room, roomId));
    }

    private Uni<Void> requireSpeakerSeat(UUID roomId) {
        return participants.countPresentSpeakers(roomId).map(speakers -> {
            if (speakers >= config.maxSpeakers()) {
                throw ProblemException.conflict("speaker-limit", "Speaker limit reached",
                        "This room already has " + speakers + " speakers, the most allowed besides the host.");
            }
            return null;
        });
    }

    private Uni<Void> record(Room room, Instant at, Kind kind, String userId, ParticipantRole role, String detail) {
        return timeline.persist(TimelineEntry.of(room.id, at, kind, userId, role, detail)).replaceWithVoid();
    }

    /** A Room, or a LockedRoom on the presence path. */
    private static <R> R requireFound(R room, UUID roomId) {
        if (room == null) {
            throw ProblemException.notFound("Room " + roomId + " does not exist.");
        }
        return room;
    }

    private static void requireHost(String hostId, UUID roomId, String callerId, String action) {
        if (!hostId.equals(callerId)) {
            throw ProblemException.forbidden("Only the host can " + action + " room " + roomId + ".");
        }
    }

    private static void requireNotEnded(boolean ended, UUID roomId) {
        if (ended) {
            throw ProblemException.conflict("room-ended", "Room has ended", "Room " + roomId + " has ended.");
        }
    }

    /** Settings that contradict each other: transcripts and clips are made from the recording. */
    private static void validate(RoomSettings settings) {
        if (settings.transcriptionEnabled() && !settings.recordingEnabled()) {
            throw ProblemException.invalidField("settings.transcription", "requires recording to be on");
        }
        if (settings.clipsAllowed() && !settings.recordingEnabled()) {
            throw ProblemException.invalidField("settings.clipsAllowed", "requires recording to be on");
        }
    }

    /** Millisecond precision: what the database stores is exactly what the events say. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
