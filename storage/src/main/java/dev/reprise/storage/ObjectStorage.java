package dev.reprise.storage;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import io.minio.http.HttpUtils;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;

/** The service's bucket in S3-compatible storage. Calls block: use them from worker threads. */
@ApplicationScoped
public class ObjectStorage {

    private static final Logger LOG = Logger.getLogger(ObjectStorage.class);

    private final StorageConfig config;
    private final MinioClient client;
    /** The same store with the health check's short bound: a hung store must not hang readiness. */
    private final MinioClient healthClient;

    public ObjectStorage(StorageConfig config) {
        this.config = config;
        long connect = config.connectTimeout().toMillis();
        long socket = config.socketTimeout().toMillis();
        this.client = client(config, HttpUtils.newDefaultHttpClient(connect, socket, socket));
        // Connect and read time-outs bound each step; the call time-out bounds the whole check.
        long health = config.healthTimeout().toMillis();
        this.healthClient = client(config, HttpUtils.newDefaultHttpClient(health, health, health).newBuilder()
                .callTimeout(config.healthTimeout()).build());
    }

    private static MinioClient client(StorageConfig config, OkHttpClient http) {
        return MinioClient.builder()
                .endpoint(config.endpoint())
                .credentials(config.accessKey(), config.secretKey())
                .region(config.region())
                .httpClient(http)
                .build();
    }

    void ensureBucket(@Observes StartupEvent event) {
        try {
            if (!bucketExists()) {
                client.makeBucket(MakeBucketArgs.builder().bucket(config.bucket()).region(config.region()).build());
                LOG.infof("Created bucket %s", config.bucket());
            }
        } catch (ErrorResponseException e) {
            if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                LOG.warnf("Could not create bucket %s yet: %s", config.bucket(), e.getMessage());
            }
        } catch (Exception e) {
            // Storage may come up after us; readiness reports it until it does.
            LOG.warnf("Could not create bucket %s yet: %s", config.bucket(), e.toString());
        }
    }

    public boolean bucketExists() throws Exception {
        return client.bucketExists(BucketExistsArgs.builder().bucket(config.bucket()).build());
    }

    /** Whether the bucket answers within the health check's bound ({@code reprise.s3.health-timeout}). */
    public boolean bucketReachable() throws Exception {
        return healthClient.bucketExists(BucketExistsArgs.builder().bucket(config.bucket()).build());
    }

    public String bucket() {
        return config.bucket();
    }

    public MinioClient client() {
        return client;
    }
}
