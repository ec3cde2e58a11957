package dev.reprise.recording.rest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a media server says about its stream: the ingest token (query {@code token}), the channel count (query
 * {@code channels}, 2 unless LiveKit was told to send a single channel), and the format in {@code Content-Type}:
 * {@code audio/x-raw}, 16-bit little-endian at 48 kHz (LiveKit's track egress; {@code rate} and {@code channels}
 * parameters of the media type are honoured if present).
 */
record IngestStreamParameters(String token, int channels) {

    static final String RAW_AUDIO = "audio/x-raw";

    /** @throws IllegalArgumentException saying what is wrong */
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
        if (contentType != null && !contentType.isBlank()) {
            String[] parts = contentType.split(";");
            if (!parts[0].strip().equalsIgnoreCase(RAW_AUDIO)) {
                throw new IllegalArgumentException("Content-Type must be " + RAW_AUDIO + " (16-bit PCM at 48 kHz), not "
                        + contentType.strip());
            }
            for (int i = 1; i < parts.length; i++) {
                String[] parameter = parts[i].split("=", 2);
                String name = parameter[0].strip().toLowerCase(Locale.ROOT);
                String value = parameter.length > 1 ? parameter[1].strip() : "";
                if (name.equals("rate") && !value.equals("48000")) {
                    throw new IllegalArgumentException("The sample rate must be 48000 Hz, not " + value);
                }
                if (name.equals("channels")) {
                    channels = value;
                }
                if (name.equals("format") && !value.equalsIgnoreCase("S16LE")) {
                    throw new IllegalArgumentException("The sample format must be S16LE, not " + value);
                }
            }
        }
        if (!channels.equals("1") && !channels.equals("2")) {
            throw new IllegalArgumentException("channels must be 1 or 2, not " + channels);
        }
        return new IngestStreamParameters(parameters.get("token"), Integer.parseInt(channels));
    }
}
