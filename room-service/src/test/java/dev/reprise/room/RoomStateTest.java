package dev.reprise.room;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reprise.contracts.room.EndReason;
import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.contracts.room.RetentionPolicy;
import dev.reprise.contracts.room.RoomSettings;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The room's and the participant's state rules on their own: no database, no framework. */
class RoomStateTest {

    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private static final RoomSettings SETTINGS = new RoomSettings(true, true, false, RetentionPolicy.EPHEMERAL);

    @Test
    void aRoomIsCreatedThenLiveThenEndedForGood() {
        Room room = Room.create("hana", "Friday jazz", SETTINGS, T0);
        assertThat(room.status).isEqualTo(RoomStatus.CREATED);
        assertThat(room.settings()).isEqualTo(SETTINGS);
        assertThat(room.isHost("hana")).isTrue();
        assertThat(room.isHost("ali")).isFalse();

        room.start(T0.plusSeconds(5));
        assertThat(room.status).isEqualTo(RoomStatus.LIVE);
        assertThat(room.startedAt).isEqualTo(T0.plusSeconds(5));
        assertThat(room.hasEnded()).isFalse();

        room.hostAbsentSince = T0.plusSeconds(10);
        room.end(EndReason.HOST_ENDED, T0.plusSeconds(60));
        assertThat(room.hasEnded()).isTrue();
        assertThat(room.endReason).isEqualTo(EndReason.HOST_ENDED);
        assertThat(room.hostAbsentSince).as("an ended room waits for no host").isNull();
    }

    @Test
    void aRoomEndsForHostAbsenceOnlyAfterTheGracePeriodAndNeverOnceEnded() {
        Room room = Room.create("hana", "Talk", SETTINGS, T0);
        room.start(T0);
        Duration grace = Duration.ofMinutes(5);
        assertThat(room.hostAbsentLongerThan(grace, T0.plusSeconds(3600))).as("host present").isFalse();

        room.hostAbsentSince = T0.plusSeconds(60);
        assertThat(room.hostAbsentLongerThan(grace, T0.plusSeconds(60).plus(grace))).as("exactly at the grace").isFalse();
        assertThat(room.hostAbsentLongerThan(grace, T0.plusSeconds(61).plus(grace))).isTrue();

        room.end(EndReason.HOST_ABSENT, T0.plusSeconds(400));
        assertThat(room.hostAbsentLongerThan(grace, T0.plusSeconds(10_000))).isFalse();
    }

    @Test
    void aListenerInvitedToSpeakBecomesASpeakerWithTheirRecordingConsent() {
        Participant ali = Participant.arrive(java.util.UUID.randomUUID(), "ali", ParticipantRole.LISTENER, T0);
        assertThat(ali.present).isTrue();
        assertThat(ali.isInvited()).isFalse();
        assertThat(ali.recordingConsent).as("a listener says nothing about recording").isNull();

        ali.invitedAt = T0.plusSeconds(1);
        assertThat(ali.isInvited()).isTrue();
        ali.becomeSpeaker(false);
        assertThat(ali.role).isEqualTo(ParticipantRole.SPEAKER);
        assertThat(ali.recordingConsent).isFalse();
        assertThat(ali.isInvited()).as("the invitation is used up").isFalse();
    }

    @Test
    void leavingEndsAnInvitationAndComingBackStartsAfreshAsAListener() {
        Participant ali = Participant.arrive(java.util.UUID.randomUUID(), "ali", ParticipantRole.LISTENER, T0);
        ali.invitedAt = T0.plusSeconds(1);
        ali.becomeSpeaker(true);
        ali.invitedAt = T0.plusSeconds(2);

        ali.leave(T0.plusSeconds(30));
        assertThat(ali.present).isFalse();
        assertThat(ali.leftAt).isEqualTo(T0.plusSeconds(30));
        assertThat(ali.isInvited()).isFalse();

        ali.rejoin(ParticipantRole.LISTENER, T0.plusSeconds(90));
        assertThat(ali.present).isTrue();
        assertThat(ali.role).isEqualTo(ParticipantRole.LISTENER);
        assertThat(ali.joinedAt).isEqualTo(T0.plusSeconds(90));
        assertThat(ali.leftAt).isNull();
        assertThat(ali.recordingConsent).as("consent is given per stint as a speaker, never carried over").isNull();
    }
}
