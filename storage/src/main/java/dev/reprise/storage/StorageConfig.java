package dev.reprise.storage;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "reprise.s3")
public interface StorageConfig {

    /** S3 endpoint: MinIO's service in Kubernetes, the local stack's s3proxy otherwise. */
    String endpoint();

    String accessKey();

    String secretKey();

    @WithDefault("us-east-1")
    String region();

    /** The service's own bucket, created at startup when missing. */
    String bucket();

    /** Longest wait for a connection to the store (minio's default is five minutes). */
    @WithDefault("5s")
    Duration connectTimeout();

    /**
     * Longest wait for the store to take or send the next bytes of a transfer: a hung store fails a call after
     * this, however large the object (it bounds silence, not the transfer's length).
     */
    @WithDefault("60s")
    Duration socketTimeout();

    /** Readiness asks the store with this bound, so a hung store shows as DOWN instead of hanging the check. */
    @WithDefault("3s")
    Duration healthTimeout();
}
