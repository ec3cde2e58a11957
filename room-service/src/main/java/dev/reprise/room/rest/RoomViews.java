package dev.reprise.room.rest;

import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.room.Participant;
import dev.reprise.room.Room;
import dev.reprise.room.RoomStatus;
import dev.reprise.room.TimelineEntry;
import dev.reprise.room.service.RoomDetails;
import dev.reprise.room.service.RoomService.LivePage;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the REST API returns; kept apart from the entities so the API changes only on purpose. */
public final class RoomViews {

    private RoomViews() {
    }

    public record SettingsView(boolean recording, boolean transcription, boolean clipsAllowed,
            RetentionPolicy retentionPolicy) {
        static SettingsView of(Room room) {
            return new SettingsView(room.recordingEnabled, room.transcriptionEnabled, room.clipsAllowed,
                    room.retentionPolicy);
        }
    }

    public record ParticipantView(String userId, ParticipantRole role, boolean invitedToSpeak,
            Boolean recordingConsent, Instant joinedAt) {
        static ParticipantView of(Participant participant) {
            return new ParticipantView(participant.userId, participant.role, participant.isInvited(),
                    participant.recordingConsent, participant.joinedAt);
        }
    }

    public record RoomView(UUID id, String hostId, String title, SettingsView settings, RoomStatus status,
            Instant createdAt, Instant startedAt, Instant endedAt, EndReason endReason, Instant hostAbsentSince,
            List<ParticipantView> participants) {
        static RoomView of(RoomDetails details) {
            Room room = details.room();
            return new RoomView(room.id, room.hostId, room.title, SettingsView.of(room), room.status, room.createdAt,
                    room.startedAt, room.endedAt, room.endReason, room.hostAbsentSince,
                    details.participants().stream().map(ParticipantView::of).toList());
        }
    }

    public record RoomSummary(UUID id, String hostId, String title, SettingsView settings, Instant startedAt) {
        static RoomSummary of(Room room) {
            return new RoomSummary(room.id, room.hostId, room.title, SettingsView.of(room), room.startedAt);
        }
    }

    public record RoomPage(List<RoomSummary> items, int page, int size, long totalItems, long totalPages) {
        static RoomPage of(LivePage page) {
            long pages = (page.total() + page.size() - 1) / page.size();
            return new RoomPage(page.rooms().stream().map(RoomSummary::of).toList(), page.page(), page.size(),
                    page.total(), pages);
        }
    }

    public record TimelineEntryView(Instant at, TimelineEntry.Kind kind, String userId, ParticipantRole role,
            String detail) {
        static TimelineEntryView of(TimelineEntry entry) {
            return new TimelineEntryView(entry.at, entry.kind, entry.userId, entry.role, entry.detail);
        }
    }
}
