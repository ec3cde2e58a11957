package dev.reprise.stack;

import dev.reprise.stack.runtime.ChildJvm;
import dev.reprise.stack.runtime.ParentWatchingMain;

import io.minio.MinioClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** s3proxy with the filesystem-nio2 backend in a child JVM: a real S3 API on loopback. */
final class S3Server {

    static final String CLASSPATH_RESOURCE = "reprise-stack/s3proxy.classpath";

    private final ChildJvm process;

    private S3Server(ChildJvm process) {
        this.process = process;
    }

    ChildJvm process() {
        return process;
    }

    static S3Server start(Path dir, Path blobs, Path logs, int port, String accessKey, String secretKey,
            boolean temporary, StackOptions options, Map<String, Duration> timings)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + options.startupTimeout().toNanos();
        String classpath = Support.runtimeClasspath(CLASSPATH_RESOURCE, "s3");
        Files.createDirectories(dir);
        Files.createDirectories(blobs);

        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "# Written by the Reprise local stack on every start.",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                "s3proxy.cors-allow-all=true",
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=filesystem-nio2",
                "jclouds.identity=" + accessKey,
                "jclouds.credential=" + secretKey,
                "jclouds.filesystem.basedir=" + blobs.toAbsolutePath(),
                ""), StandardCharsets.UTF_8);
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, LOGBACK, StandardCharsets.UTF_8);

        List<String> jvm = new ArrayList<>();
        jvm.add("-Xmx" + options.childHeap());
        jvm.addAll(options.childJvmOptions());
        jvm.add("-Dlogback.configurationFile=" + logback.toAbsolutePath());
        jvm.add("-D" + ParentWatchingMain.GRACE_PROPERTY + "=" + (temporary ? 0 : 5_000));
        ChildJvm child = ChildJvm.start("s3proxy", jvm, classpath, "org.gaul.s3proxy.Main",
                List.of("--properties", properties.toAbsolutePath().toString()), dir, logs.resolve("s3proxy.log"),
                null);
        try {
            awaitReady(child, port, accessKey, secretKey, deadline);
        } catch (Throwable e) {
            child.stop(Duration.ofSeconds(5));
            throw e;
        }
        timings.put("s3", Duration.ofNanos(System.nanoTime() - t0));
        return new S3Server(child);
    }

    private static void awaitReady(ChildJvm child, int port, String accessKey, String secretKey, long deadline)
            throws InterruptedException {
        MinioClient client = MinioClient.builder()
                .endpoint("http://127.0.0.1:" + port)
                .credentials(accessKey, secretKey)
                .region(StackInfo.S3_REGION)
                .build();
        client.setTimeout(2_000, 2_000, 2_000);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw Support.childFailure(child, "s3proxy exited during start-up (exit "
                        + child.process().exitValue() + ")");
            }
            try {
                client.listBuckets();
                return;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw Support.childFailure(child, "s3proxy on port " + port + " did not become ready in time"
                + (last == null ? "" : " (last error: " + last + ")"));
    }

    private static final String LOGBACK = String.join("\n",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<!-- Written by the Reprise local stack: s3proxy logs to stdout, which goes to <data>/logs/s3proxy.log -->",
            "<configuration>",
            "  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
            "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%logger{0}] %msg%n</pattern></encoder>",
            "  </appender>",
            "  <logger name=\"org.eclipse.jetty\" level=\"WARN\"/>",
            "  <logger name=\"jclouds\" level=\"WARN\"/>",
            "  <logger name=\"org.jclouds\" level=\"WARN\"/>",
            "  <root level=\"INFO\"><appender-ref ref=\"STDOUT\"/></root>",
            "</configuration>",
            "");
}
