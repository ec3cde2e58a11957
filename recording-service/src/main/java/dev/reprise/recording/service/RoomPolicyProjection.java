package dev.reprise.recording.service;

import dev.reprise.contracts.room.ParticipantLeft;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RoomCreated;
import dev.reprise.contracts.room.RoomEnded;
import dev.reprise.contracts.room.RoomStarted;
import dev.reprise.contracts.room.SpeakerAdded;
import dev.reprise.contracts.room.SpeakerConsentChanged;
import dev.reprise.platform.inbox.IncomingEvent;
import dev.reprise.platform.inbox.PoisonEventException;
import dev.reprise.recording.Recording;
import dev.reprise.recording.RoomRecordingPolicy;
import dev.reprise.recording.SpeakerConsent;
import dev.reprise.recording.SpeakerConsent.Reason;
import dev.reprise.recording.repository.RecordingRepository;
import dev.reprise.recording.repository.RoomPolicyRepository;
import dev.reprise.recording.repository.SpeakerConsentRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * Keeps each room's recording policy, its recording and its speakers' consent statements in step with
 * room-service. Each handler runs inside the inbox transaction. An event that needs a room this projection never
 * saw is never dropped: where the event carries enough to build the room it does, otherwise it is dead-lettered
 * with the reason, so it can be replayed once its room is known.
 *
 * <p>A change that decides what live ingest may record (consent, a speaker leaving, the room ending) also notifies
 * {@link IngestNotifications#CHANNEL} in the same transaction: PostgreSQL delivers it at commit to every replica,
 * whichever holds the speaker's stream.
 */
@ApplicationScoped
public class RoomPolicyProjection {

    private final RoomPolicyRepository policies;
    private final SpeakerConsentRepository consents;
    private final RecordingRepository recordings;

    public RoomPolicyProjection(RoomPolicyRepository policies, SpeakerConsentRepository consents,
            RecordingRepository recordings) {
        this.policies = policies;
        this.consents = consents;
        this.recordings = recordings;
    }

    public Uni<Void> created(RoomCreated created, IncomingEvent event) {
        return policies.findById(created.roomId()).flatMap(existing -> existing != null
                ? Uni.createFrom().voidItem()
                : policies.persist(RoomRecordingPolicy.of(created.roomId(), created.hostId(), created.settings()))
                        .replaceWithVoid());
    }

    /**
     * Carries the host and the settings, so a room whose creation was never seen is built from it. With recording
     * on, the recording begins here: the room's start is its time zero, and the host, who turned recording on, is
     * the first to be recorded.
     */
    public Uni<Void> started(RoomStarted started, IncomingEvent event) {
        return policies.findById(started.roomId()).flatMap(found -> {
            RoomRecordingPolicy policy = found != null ? found
                    : RoomRecordingPolicy.of(started.roomId(), started.hostId(), started.settings());
            policy.apply(started.settings());
            policy.status = RoomRecordingPolicy.Status.LIVE;
            policy.startedAt = started.startedAt();
            Uni<Void> saved = found != null ? Uni.createFrom().voidItem() : policies.persist(policy).replaceWithVoid();
            if (!policy.recordingEnabled) {
                return saved;
            }
            return saved.chain(() -> recordings.findByRoom(started.roomId())).chain(recording -> recording != null
                    ? Uni.createFrom().voidItem()
                    : recordings.persist(Recording.startedWith(started.roomId(), started.startedAt()))
                            .chain(() -> state(started.roomId(), started.hostId(), true, started.startedAt(),
                                    Reason.HOST, event)));
        });
    }

    public Uni<Void> speakerAdded(SpeakerAdded added, IncomingEvent event) {
        return state(added.roomId(), added.userId(), added.recordingConsent(), added.becameSpeakerAt(),
                Reason.SPEAKER_ADDED, event);
    }

    public Uni<Void> speakerConsentChanged(SpeakerConsentChanged changed, IncomingEvent event) {
        return state(changed.roomId(), changed.userId(), changed.recordingConsent(), changed.changedAt(),
                Reason.CHANGED, event);
    }

    /** A speaker (or the host) leaving ends what they agreed to; a listener leaving changes nothing here. */
    public Uni<Void> participantLeft(ParticipantLeft left, IncomingEvent event) {
        if (left.role() == ParticipantRole.LISTENER) {
            return Uni.createFrom().voidItem();
        }
        return state(left.roomId(), left.userId(), false, left.leftAt(), Reason.LEFT, event);
    }

    public Uni<Void> ended(RoomEnded ended, IncomingEvent event) {
        return policies.findById(ended.roomId()).flatMap(policy -> {
            if (policy == null) {
                throw new PoisonEventException("Room " + ended.roomId() + " ended, but its creation was never applied"
                        + " here; replay this event once the room is known");
            }
            policy.status = RoomRecordingPolicy.Status.ENDED;
            policy.endedAt = ended.endedAt();
            return recordings.findByRoom(ended.roomId()).chain(recording -> {
                if (recording != null && recording.endedAt == null) {
                    recording.endedAt = ended.endedAt();
                    recording.retentionPolicy = ended.retentionPolicy();
                }
                return notifyIngest(ended.roomId(), null);
            });
        });
    }

    private Uni<Void> state(UUID roomId, String userId, boolean consent, Instant at, Reason reason,
            IncomingEvent event) {
        SpeakerConsent statement = new SpeakerConsent();
        statement.roomId = roomId;
        statement.userId = userId;
        statement.recordingConsent = consent;
        statement.statedAt = at;
        statement.reason = reason;
        statement.eventId = event.id();
        Uni<Void> recorded = consents.persist(statement).chain(() -> notifyIngest(roomId, userId));
        if (consent) {
            return recorded;
        }
        // Audio after this moment may already be sealed (the statement can reach this service late): cut again.
        return recorded.chain(() -> Panache.getSession().chain(session -> session
                .createNativeQuery("INSERT INTO consent_recut (room_id, user_id, stated_at) VALUES (?1, ?2, ?3)")
                .setParameter(1, roomId).setParameter(2, userId)
                .setParameter(3, java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC))
                .executeUpdate())).replaceWithVoid();
    }

    private static Uni<Void> notifyIngest(UUID roomId, String userId) {
        return Panache.getSession().chain(session -> session
                .createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)")
                .setParameter(1, IngestNotifications.CHANNEL)
                .setParameter(2, IngestNotifications.payload(roomId, userId))
                .getSingleResult()).replaceWithVoid();
    }
}
