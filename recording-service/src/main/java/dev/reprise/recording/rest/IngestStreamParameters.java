package dev.reprise.recording.rest;

import dev.reprise.recording.audio.UploadedAudio;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What a media server says about its stream: the ingest token (query {@code token}), the channel count (query
 * {@code channels}, 2 unless LiveKit was told to send a single channel), and the format in {@code Content-Type}:
 * {@code audio/x-raw}, 16-bit little-endian at 48 kHz (LiveKit's track egress; {@code rate} and {@code channels}
 * parameters of the media type are honoured if present).
 */
record IngestStreamParameters(String token, int channels) {

    /**
     * @throws UploadedAudio.Unsupported for a media type other than 48 kHz s16le (415)
     * @throws IllegalArgumentException for a bad {@code channels} query parameter (400)
     */
    static IngestStreamParameters parse(String query, String contentType) {
        Map<String, String> parameters = new HashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                parameters.putIfAbsent(name, value);
            }
        }
        String channels = parameters.getOrDefault("channels", "2");
        if (!channels.equals("1") && !channels.equals("2")) {
            throw new IllegalArgumentException("channels must be 1 or 2, not " + channels);
        }
        int count = Integer.parseInt(channels);
        if (contentType != null && !contentType.isBlank()) {
            count = UploadedAudio.rawChannels(contentType, count);
        }
        return new IngestStreamParameters(parameters.get("token"), count);
    }
}
