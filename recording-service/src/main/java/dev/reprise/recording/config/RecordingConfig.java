package dev.reprise.recording.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;

@ConfigMapping(prefix = "reprise.recording")
public interface RecordingConfig {

    Ingest ingest();

    Audio audio();

    Mix mix();

    Retention retention();

    /** Deleting recordings on the schedule their hosts chose (RetentionWorker). */
    interface Retention {

        /** How long a MODERATION_30D recording is kept after its room ends, unless the host saves it. */
        @WithDefault("30d")
        Duration moderationWindow();

        /** How often each replica looks for recordings due for deletion. */
        @WithDefault("10s")
        Duration checkInterval();
    }

    /** How often each replica looks for hosts' edits to apply (EditWorker). */
    @WithDefault("2s")
    Duration editCheckInterval();

    /** How long a download link of a recording's file works (presigned object storage URL). */
    @WithDefault("5m")
    java.time.Duration downloadLinkTtl();

    /** Building the recording while the room is live (MixingWorker), and finishing it when the room ends. */
    interface Mix {

        /**
         * Time line per window: each is mixed and encoded on its own, as soon as its audio is sealed. A multiple of
         * 600 ms (whole Opus packets, MP3 frames and loudness blocks).
         */
        @WithDefault("30s")
        Duration windowLength();

        /**
         * This replica's name in the leases it takes (a recording's lease owner shows who works on it): the pod's
         * name in Kubernetes, where HOSTNAME is set to it.
         */
        @WithDefault("${HOSTNAME:replica}")
        String replica();

        /** Replicas' threads mixing windows and finishing recordings. */
        @WithDefault("2")
        @Min(1)
        int workers();

        /** How long a replica owns a recording it works on before another may take over (renewed per window). */
        @WithDefault("60s")
        Duration lease();

        /**
         * How long the end waits for journals of the room still on some replica's disk before finishing without
         * them (a replica gone with its volume); they are logged.
         */
        @WithDefault("2m")
        Duration journalWait();

        /** Failed attempts in a row after which an ended room's recording is FAILED (with the last reason). */
        @WithDefault("5")
        @Min(1)
        int maxAttempts();

        /**
         * How long after the room's end finishing starts at the earliest: audio the media server sent just before
         * the end is still being written then.
         */
        @WithDefault("2s")
        Duration endGrace();

        /** Programme loudness of the finished mix (EBU R128, integrated); -16 LUFS is the spoken-word norm. */
        @WithDefault("-16")
        double loudnessTarget();

        /** Opus bit rate of the mix, bits per second. */
        @WithDefault("48000")
        int mixOpusBitrate();

        /** Opus bit rate of each speaker's own track (speech, for transcripts and later edits). */
        @WithDefault("32000")
        int trackOpusBitrate();

        /** A speaker's 20 ms frame at or above this RMS level is voice in the speaker timeline. */
        @WithDefault("-45")
        @Max(0)
        double voiceThresholdDbfs();

        /** Pauses shorter than this inside a speaker's voice do not split it (gaps between words). */
        @WithDefault("300ms")
        Duration voiceMergeGap();

        /** Voice shorter than this is left out of the timeline (a cough, a click). */
        @WithDefault("100ms")
        Duration voiceMinimum();
    }

    interface Audio {

        /** The ffmpeg executable (Debian's package; the audio image has it on PATH). */
        @WithDefault("ffmpeg")
        String ffmpeg();

        /** How long one ffmpeg run may take before it is stopped. */
        @WithDefault("60s")
        Duration ffmpegTimeout();
    }

    interface Ingest {

        /**
         * Signs the ingest tokens the media server presents (HMAC-SHA256): at least 32 bytes, the same on every
         * replica, from a secret. Rotating it invalidates the tokens of streams not yet connected.
         */
        String tokenSecret();

        /** How long an ingest token admits connections (and reconnections); it also stops with its room. */
        @WithDefault("6h")
        Duration tokenTtl();

        /**
         * The durable local buffer: received audio is appended here and flushed to disk before it counts as
         * kept, then sealed into segments in object storage. Survives a restart of the service (a volume).
         */
        @WithDefault("${java.io.tmpdir}/reprise-recording-journal")
        Path journalDir();

        /**
         * How often live WebSocket audio is flushed to disk (the protocol has no acknowledgements: audio older than
         * this survives a crash of the service).
         */
        @WithDefault("200ms")
        Duration flushInterval();

        /** Track time per sealed segment: object storage is slow for small objects, so seconds, not frames. */
        @WithDefault("30s")
        Duration segmentLength();

        /** Largest WebSocket frame of audio accepted (LiveKit sends 20 ms frames: 3,840 bytes in stereo). */
        @WithDefault("65536")
        @Min(3840)
        @Max(1048576)
        int maxFrameBytes();

        /**
         * Blocks of 10 ms whose peak stays below this level are silence and are not stored: most of a speaker's
         * track is silence, and it costs nothing. -60 dBFS is below any microphone's noise floor after the noise
         * suppression media servers apply.
         */
        @WithDefault("-60")
        @Max(0)
        double silenceThresholdDbfs();

        /**
         * Audio arriving within this much of where the stream's own sample count places it continues the
         * stream (network jitter); further ahead, after a mute or a stall, it is placed by its arrival time.
         */
        @WithDefault("250ms")
        Duration jitterTolerance();

        /**
         * Live streams one replica takes at most; more are refused (close code 4503) before they are admitted, so an
         * overloaded replica sheds load instead of queueing frames it cannot process in its heap. Size it to the
         * pod's cores: 250 stereo tracks kept 0.8 of a core busy on the benchmark's machine (bench/README.md).
         */
        @WithDefault("300")
        @Min(1)
        int maxStreams();

        /**
         * How far a chunk's sequence may be from the highest one of its track: a client that numbers from scratch
         * or skips thousands is refused rather than trusted.
         */
        @WithDefault("1000")
        @Min(1)
        long maxSequenceGap();

        /** How long shutdown waits for received audio to be sealed into object storage. */
        @WithDefault("20s")
        Duration shutdownDrain();
    }
}
