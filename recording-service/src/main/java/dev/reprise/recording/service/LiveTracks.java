package dev.reprise.recording.service;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.recording.service.IngestAdmission.Admitted;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The streams connected to this replica, and what keeps their permission current: a notification when a speaker's
 * consent or the room changes ({@link IngestNotifications}), and a re-check of all of them every few seconds in
 * case a notification was missed. A stream whose room ended or stopped recording is closed with the reason.
 */
@ApplicationScoped
public class LiveTracks {

    private static final Logger LOG = Logger.getLogger(LiveTracks.class);

    private record Entry(LiveTrack track, Consumer<IngestRefused> closer) {
    }

    private final Map<String, Entry> streams = new ConcurrentHashMap<>();
    private final IngestAdmission admission;
    private final IngestJournals journals;
    private final RecordingConfig.Ingest config;
    private final Clock clock;

    public LiveTracks(IngestAdmission admission, IngestJournals journals, RecordingConfig config, Clock clock,
            io.micrometer.core.instrument.MeterRegistry registry) {
        registry.gauge("reprise.recording.streams.live", streams, Map::size);
        this.admission = admission;
        this.journals = journals;
        this.config = config.ingest();
        this.clock = clock;
    }

    /**
     * Admits a stream; {@code closer} ends the connection with a reason when its permission ends for good.
     *
     * @param connectionId unique per connection
     */
    public Uni<LiveTrack> connect(String connectionId, UUID roomId, String speakerId, int channels,
            Consumer<IngestRefused> closer) {
        if (streams.size() >= config.maxStreams()) {
            return Uni.createFrom().failure(IngestRefused.busy(config.maxStreams()));
        }
        return admission.admit(roomId, speakerId).map(admitted -> {
            LiveTrack track = new LiveTrack(admitted, channels, journals, clock, config.segmentLength(),
                    config.jitterTolerance(), Pcm.amplitudeOf(config.silenceThresholdDbfs()));
            streams.put(connectionId, new Entry(track, closer));
            LOG.infof("Recording %s in room %s (track %s, %d channel(s))", speakerId, roomId, admitted.trackId(),
                    channels);
            return track;
        });
    }

    public void disconnect(String connectionId) {
        Entry entry = streams.remove(connectionId);
        if (entry != null) {
            entry.track().close();
            Admitted admitted = entry.track().admitted();
            LOG.infof("Stream of %s in room %s ended after %d ms of audio", admitted.speakerId(), admitted.roomId(),
                    Pcm.samplesToMillis(entry.track().receivedSamples()));
        }
    }

    /** The stream of a connection, or null once it is gone. */
    public LiveTrack stream(String connectionId) {
        Entry entry = streams.get(connectionId);
        return entry == null ? null : entry.track();
    }

    public int size() {
        return streams.size();
    }

    /** A speaker's permission (userId) or the whole room (null) changed. */
    void changed(UUID roomId, String userId) {
        streams.values().stream()
                .filter(entry -> entry.track().admitted().roomId().equals(roomId))
                .filter(entry -> userId == null || entry.track().admitted().speakerId().equals(userId))
                .forEach(this::recheck);
    }

    @Scheduled(every = "${reprise.recording.ingest.recheck-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void recheckAll() {
        streams.values().forEach(this::recheck);
    }

    private void recheck(Entry entry) {
        Admitted admitted = entry.track().admitted();
        admission.may(admitted.roomId(), admitted.speakerId()).subscribe().with(
                allowed -> allow(entry, true),
                failure -> {
                    if (failure instanceof IngestRefused refused) {
                        allow(entry, false);
                        if (refused.status() != 403) {
                            entry.closer().accept(refused); // the room ended or stopped recording: for good
                        }
                    } else {
                        LOG.debugf("Could not re-check %s in room %s: %s", admitted.speakerId(), admitted.roomId(),
                                failure.getMessage());
                    }
                });
    }

    private static void allow(Entry entry, boolean allowed) {
        if (entry.track().isAllowed() != allowed) {
            Admitted admitted = entry.track().admitted();
            LOG.infof("%s %s in room %s", allowed ? "Recording again" : "No longer recording", admitted.speakerId(),
                    admitted.roomId());
        }
        entry.track().allowed(allowed);
    }

    /** For tests: the stream of a speaker in a room on this replica, if connected. */
    public LiveTrack find(UUID roomId, String speakerId) {
        return streams.values().stream().map(Entry::track)
                .filter(track -> track.admitted().roomId().equals(roomId)
                        && Objects.equals(track.admitted().speakerId(), speakerId))
                .findFirst().orElse(null);
    }
}
