package dev.reprise.recording.service;

import dev.reprise.platform.problem.ProblemException;

/**
 * Why a stream or a chunk is not taken: an HTTP status and problem type for the chunk upload, a WebSocket close
 * code (4000 + the status) for the stream, and the same reason for both.
 */
public final class IngestRefused extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;

    public IngestRefused(int status, String type, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public static IngestRefused unknownRoom(Object roomId) {
        return new IngestRefused(404, "unknown-room", "Unknown room", "Room " + roomId + " does not exist.");
    }

    public static IngestRefused notRecording(String detail) {
        return new IngestRefused(409, "not-recording", "Not recording", detail);
    }

    public static IngestRefused notConsenting(String detail) {
        return new IngestRefused(403, "no-recording-consent", "No recording consent", detail);
    }

    public static IngestRefused badToken() {
        return new IngestRefused(401, "invalid-ingest-token", "Invalid ingest token",
                "The ingest token is missing, forged, expired or for another room or speaker.");
    }

    public static IngestRefused busy(int streams) {
        return new IngestRefused(503, "ingest-busy", "Ingest busy", "This replica takes " + streams
                + " live streams at most and has them; connect again (to another replica).");
    }

    public static IngestRefused badAudio(String detail) {
        return new IngestRefused(400, "bad-audio", "Bad audio", detail);
    }

    public int status() {
        return status;
    }

    /** The WebSocket close code: 4000 + the HTTP status, within the range for applications. */
    public int closeCode() {
        return 4000 + status;
    }

    public ProblemException toProblem() {
        return new ProblemException(status, type, title, getMessage(), java.util.List.of());
    }
}
