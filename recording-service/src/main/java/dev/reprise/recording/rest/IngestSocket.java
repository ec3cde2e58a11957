package dev.reprise.recording.rest;

import dev.reprise.recording.audio.Pcm;
import dev.reprise.recording.audio.UploadedAudio;
import dev.reprise.recording.config.RecordingConfig;
import dev.reprise.recording.service.IngestRefused;
import dev.reprise.recording.service.IngestTokens;
import dev.reprise.recording.service.LiveTrack;
import dev.reprise.recording.service.LiveTracks;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Live audio of one speaker, exactly as LiveKit's track egress sends it to a {@code websocket_url}: binary frames
 * of interleaved s16le at 48 kHz (two channels unless {@code ?channels=1}), text frames {@code {"muted":true}} and
 * {@code {"muted":false}}, pings, and a close at the end. The URL names the room and the speaker and carries the
 * ingest token for them ({@code ?token=}); the upgrade is refused (401, 400, 415) when those are wrong, and a stream
 * that may not be recorded is closed with 4000 + the HTTP status of the reason (4403 no consent or not a speaker,
 * 4404 unknown room, 4409 not live or not recording) and the reason itself.
 */
@WebSocket(path = "/recordings/ingest/rooms/{roomId}/speakers/{speakerId}", endpointId = IngestSocket.ID)
public class IngestSocket {

    static final String ID = "recording-ingest";
    /** RFC 6455: the message was too big to process. */
    static final int MESSAGE_TOO_BIG = 1009;
    /** RFC 6455: the data was not consistent with the type of message. */
    static final int INVALID_PAYLOAD = 1007;
    /** RFC 6455: the server met a condition that prevented it from fulfilling the request. */
    static final int INTERNAL_ERROR = 1011;

    private static final Logger LOG = Logger.getLogger(IngestSocket.class);

    /** What a stream sends while it is being admitted is held (up to this much) and replayed once it is. */
    static final int MAX_HELD_BYTES = 1 << 20;

    private final LiveTracks tracks;
    private final int maxFrameBytes;
    private final Clock clock;
    private final Map<String, Held> admitting = new ConcurrentHashMap<>();

    public IngestSocket(LiveTracks tracks, RecordingConfig config, Clock clock) {
        this.tracks = tracks;
        this.maxFrameBytes = config.ingest().maxFrameBytes();
        this.clock = clock;
    }

    /** Frames and mutes that arrived during admission, in order, with their arrival times. */
    private static final class Held {
        final List<Object> messages = new ArrayList<>();
        final List<Instant> arrivals = new ArrayList<>();
        int bytes;
        boolean done;
    }

    @OnOpen
    public Uni<Void> open(WebSocketConnection connection, HandshakeRequest handshake, @PathParam String roomId,
            @PathParam String speakerId) {
        IngestStreamParameters parameters = IngestStreamParameters.parse(handshake.query(),
                handshake.header("Content-Type"));
        Held held = new Held();
        admitting.put(connection.id(), held);
        // The closer only closes: @OnClose, on the connection's own thread, lets the stream go.
        return tracks.connect(connection.id(), UUID.fromString(roomId), speakerId, parameters.channels(),
                        refused -> closeOnly(connection, refused.closeCode(), refused.getMessage()))
                .invoke(track -> {
                    synchronized (held) {
                        for (int i = 0; i < held.messages.size(); i++) {
                            Object message = held.messages.get(i);
                            if (message instanceof byte[] frame) {
                                deliver(connection, track, frame, held.arrivals.get(i));
                            } else {
                                track.muted((Boolean) message);
                            }
                        }
                        held.done = true;
                    }
                    admitting.remove(connection.id());
                    if (!connection.isOpen()) {
                        tracks.disconnect(connection.id()); // closed while being admitted
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(ignored -> admitting.remove(connection.id()))
                .onFailure(IngestRefused.class).recoverWithUni(refused -> {
                    LOG.infof("Refused the stream of %s in room %s: %s", speakerId, roomId, refused.getMessage());
                    return connection.close(reason(((IngestRefused) refused).closeCode(), refused.getMessage()));
                });
    }

    @OnBinaryMessage
    @NonBlocking
    public void audio(WebSocketConnection connection, Buffer frame) {
        if (frame.length() > maxFrameBytes) {
            closeWith(connection, MESSAGE_TOO_BIG, "frames of audio are at most " + maxFrameBytes + " bytes");
            return;
        }
        if (hold(connection, frame.getBytes())) {
            return;
        }
        LiveTrack track = tracks.stream(connection.id());
        if (track != null) {
            deliver(connection, track, frame.getBytes(), clock.instant());
        }
    }

    @OnTextMessage
    @NonBlocking
    public void control(WebSocketConnection connection, String message) {
        Object muted;
        try {
            muted = new JsonObject(message).getValue("muted");
        } catch (RuntimeException notJson) {
            muted = null;
        }
        if (!(muted instanceof Boolean)) {
            closeWith(connection, INVALID_PAYLOAD, "text frames are {\"muted\":true} or {\"muted\":false}");
            return;
        }
        if (hold(connection, muted)) {
            return;
        }
        LiveTrack track = tracks.stream(connection.id());
        if (track != null) {
            track.muted((Boolean) muted);
        }
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        admitting.remove(connection.id());
        tracks.disconnect(connection.id());
    }

    /** Holds a message of a stream still being admitted; false once it is admitted (or was never opened). */
    private boolean hold(WebSocketConnection connection, Object message) {
        Held held = admitting.get(connection.id());
        if (held == null) {
            return false;
        }
        synchronized (held) {
            if (held.done) {
                return false;
            }
            int size = message instanceof byte[] frame ? frame.length : 0;
            if (held.bytes + size > MAX_HELD_BYTES) {
                return true; // admission is far too slow: what does not fit is lost, and said so below
            }
            held.bytes += size;
            held.messages.add(message);
            held.arrivals.add(clock.instant());
            return true;
        }
    }

    private void deliver(WebSocketConnection connection, LiveTrack track, byte[] frame, Instant arrived) {
        try {
            track.audio(frame, arrived);
        } catch (Pcm.NotWholeFrames corrupt) {
            closeWith(connection, INVALID_PAYLOAD, corrupt.getMessage());
        } catch (RuntimeException cannotKeep) {
            LOG.errorf(cannotKeep, "Cannot keep the audio of %s in room %s", track.admitted().speakerId(),
                    track.admitted().roomId());
            closeWith(connection, INTERNAL_ERROR, "the audio cannot be kept now; reconnect");
        }
    }

    private void closeWith(WebSocketConnection connection, int code, String message) {
        tracks.disconnect(connection.id());
        closeOnly(connection, code, message);
    }

    private static void closeOnly(WebSocketConnection connection, int code, String message) {
        connection.close(reason(code, message)).subscribe().with(ignored -> { }, failure -> { });
    }

    /** A close frame's reason has room for 123 bytes of UTF-8. */
    static CloseReason reason(int code, String message) {
        String text = message;
        while (text.getBytes(StandardCharsets.UTF_8).length > 120) {
            text = text.substring(0, text.length() - 4) + "…";
        }
        return new CloseReason(code, text);
    }

    /**
     * Refuses the upgrade itself when the URL or format is wrong (400, 415) or the token does not admit this room
     * and speaker (401), so a misconfigured media server learns it from the status of its dial.
     */
    @ApplicationScoped
    public static class Admission implements HttpUpgradeCheck {

        private final IngestTokens tokens;

        public Admission(IngestTokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public boolean appliesTo(String endpointId) {
            return ID.equals(endpointId);
        }

        @Override
        public Uni<CheckResult> perform(HttpUpgradeContext context) {
            IngestStreamParameters parameters;
            UUID roomId;
            try {
                roomId = UUID.fromString(context.pathParam("roomId"));
                parameters = IngestStreamParameters.parse(context.httpRequest().query(),
                        context.httpRequest().getHeader("Content-Type"));
            } catch (UploadedAudio.Unsupported format) {
                return CheckResult.rejectUpgrade(415);
            } catch (IllegalArgumentException bad) {
                return CheckResult.rejectUpgrade(400);
            }
            String speakerId = context.pathParam("speakerId");
            boolean admitted = tokens.verify(parameters.token())
                    .filter(grant -> grant.roomId().equals(roomId) && grant.speakerId().equals(speakerId))
                    .isPresent();
            return admitted ? CheckResult.permitUpgrade() : CheckResult.rejectUpgrade(401);
        }
    }
}
