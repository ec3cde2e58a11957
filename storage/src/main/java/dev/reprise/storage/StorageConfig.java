package dev.reprise.storage;

import io.smallrye.config.ConfigMapping;
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
}
