package dev.reprise.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.stack.ServiceSpec;
import dev.reprise.stack.StackInfo;
import dev.reprise.stack.testing.SharedStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The image tarballs that {@code ./reprise images} built (the images profile runs this after them): each is
 * named and configured as the parent pom says, and its root filesystem, unpacked and started the way a kubelet
 * would (as user 10001, the root read-only, an empty /tmp, the environment variables of its Deployment in the dev
 * overlay) but with a chroot instead of a container runtime, runs the service against a local stack until it is
 * ready. The audio images also run their ffmpeg and PocketSphinx. Needs root (chroot and mounts).
 */
class ImagesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);
    private static final String USER = "10001";

    private static List<JsonNode> devObjects;

    @TempDir
    Path work;

    @BeforeAll
    static void renderTheDevOverlay() {
        devObjects = Kustomize.render(ManifestPolicyTest.DEV);
    }

    static Stream<String> services() {
        return ServiceSpec.ALL.stream().map(ServiceSpec::name);
    }

    @ParameterizedTest
    @MethodSource("services")
    void theImageRunsItsServiceAsItsUserOnAReadOnlyRoot(String service) throws Exception {
        String version = ImageSettingsTest.buildVersion();
        Path tarball = ImageSettingsTest.REPOSITORY.resolve(service).resolve("target")
                .resolve(service + "-" + version + "-image.tar");
        assertThat(tarball).as("the image of %s (./reprise images builds it)", service).isRegularFile();
        assertThat(run(List.of("id", "-u"))).as("ImagesIT needs root for chroot and mounts").isEqualTo("0");

        Path archive = Files.createDirectories(work.resolve("archive"));
        run(List.of("tar", "-xf", tarball.toString(), "-C", archive.toString()));
        JsonNode manifest = JSON.readTree(archive.resolve("manifest.json").toFile()).get(0);
        JsonNode config = JSON.readTree(archive.resolve(manifest.path("Config").asText()).toFile()).path("config");

        assertThat(manifest.path("RepoTags").get(0).asText())
                .isEqualTo(ImageSettingsTest.parentProperty("reprise.image.group") + "/" + service + ":" + version);
        assertThat(config.path("User").asText()).isEqualTo(USER);
        assertThat(config.path("WorkingDir").asText()).isEqualTo("/app");
        List<String> entrypoint = new ArrayList<>();
        config.path("Entrypoint").forEach(part -> entrypoint.add(part.asText()));
        List<String> expected = new ArrayList<>(List.of("java",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        expected.addAll(ImageSettingsTest.jvmOptions());
        expected.addAll(List.of("-jar", "quarkus-run.jar"));
        assertThat(entrypoint).isEqualTo(expected);
        Map<String, String> environment = new TreeMap<>();
        config.path("Env").forEach(entry -> {
            String[] pair = entry.asText().split("=", 2);
            environment.put(pair[0], pair[1]);
        });
        assertThat(environment).containsEntry("MALLOC_ARENA_MAX", "2");

        Path root = Files.createDirectories(work.resolve("root"));
        for (JsonNode layer : manifest.path("Layers")) {
            run(List.of("tar", "-xf", archive.resolve(layer.asText()).toString(), "-C", root.toString()));
        }
        StackInfo stack = SharedStack.info();
        // The JWT public key, as the Deployment would mount it from its ConfigMap; written before the root goes
        // read-only.
        Path key = root.resolve("etc/reprise/jwt/public.pem");
        Files.createDirectories(key.getParent());
        Files.copy(stack.jwtPublicKey(), key);

        // Resources close in reverse: the mounts go first, then the files; --one-file-system never follows a mount.
        try (Removal removal = () -> run(List.of("rm", "-rf", "--one-file-system", root.toString()));
                Chroot chroot = Chroot.readOnly(root)) {
            if (Files.readString(ImageSettingsTest.REPOSITORY.resolve(service).resolve("pom.xml"))
                    .contains("<reprise.image.base>audio</reprise.image.base>")) {
                theAudioToolsWork(chroot);
            }
            int port = freePort();
            environment.putAll(clusterEnvironment(service, stack, port, "/etc/reprise/jwt/public.pem"));
            Path log = work.resolve(service + ".log");
            Process process = chroot.start(environment, entrypoint, log);
            try {
                int status = awaitReady(process, port);
                assertThat(status).as("readiness of %s started from its image; its log:%n%s", service,
                        tail(log)).isEqualTo(200);
                assertThat(uidOf(process)).as("the uid the service runs as").isEqualTo(USER);
            } finally {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertThat(Files.readString(log)).as("what %s logged", service).doesNotContain("Read-only file system");
        }
    }

    /** ffmpeg encodes a tone to Ogg/Opus and to 16 kHz WAV, and PocketSphinx decodes the WAV with its model. */
    private static void theAudioToolsWork(Chroot chroot) throws Exception {
        chroot.run(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                "sine=frequency=440:duration=2", "-c:a", "libopus", "/tmp/tone.ogg"));
        chroot.run(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "/tmp/tone.ogg", "-ar", "16000",
                "-ac", "1", "/tmp/tone.wav"));
        chroot.run(List.of("pocketsphinx_continuous", "-infile", "/tmp/tone.wav", "-logfn", "/dev/null"));
    }

    /**
     * The environment the dev overlay's Deployment gives the service, variable for variable, with this machine's
     * values: a variable the manifests set that this test cannot give fails it, so it keeps up with the manifests.
     */
    private static Map<String, String> clusterEnvironment(String service, StackInfo stack, int port, String jwtKey) {
        ServiceSpec spec = ServiceSpec.byName(service);
        Map<String, String> config = stack.serviceConfig(service);
        Map<String, String> local = new LinkedHashMap<>();
        local.put("HTTP_PORT", Integer.toString(port));
        local.put("KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers());
        // The local broker has a plaintext listener; the cluster's is SASL_SSL with SCRAM (deploy/README.md).
        local.put("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
        local.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        local.put("KAFKA_SASL_JAAS_CONFIG", "");
        local.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
        local.put("KAFKA_SSL_TRUSTSTORE_LOCATION", "");
        local.put("DB_HOST", "127.0.0.1");
        local.put("DB_PORT", Integer.toString(stack.postgresPort()));
        local.put("DB_NAME", spec.database());
        local.put("DB_USERNAME", config.get("quarkus.datasource.username"));
        local.put("DB_PASSWORD", config.get("quarkus.datasource.password"));
        local.put("S3_ENDPOINT", config.get("reprise.s3.endpoint"));
        local.put("S3_ACCESS_KEY", config.get("reprise.s3.access-key"));
        local.put("S3_SECRET_KEY", config.get("reprise.s3.secret-key"));
        local.put("S3_REGION", config.get("reprise.s3.region"));
        local.put("S3_BUCKET", "reprise-" + spec.database());
        local.put("JWT_ISSUER", config.get("mp.jwt.verify.issuer"));
        local.put("JWT_PUBLIC_KEY_LOCATION", jwtKey);
        local.put("INGEST_TOKEN_SECRET", stack.ingestTokenSecret());
        // The Deployment mounts a volume there; here the image's empty /tmp stands in for it.
        local.put("INGEST_JOURNAL_DIR", "/tmp/reprise-ingest");

        Set<String> provided = ConfigurationInStepTest.provided(devObjects, service);
        assertThat(local.keySet()).as("variables the dev Deployment of %s sets", service).containsAll(provided);
        local.keySet().retainAll(provided);
        return local;
    }

    private static int awaitReady(Process process, int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        int status = -1;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                status = http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return status;
                }
            } catch (IOException notListeningYet) {
                // starting
            }
            Thread.sleep(250);
        }
        return status;
    }

    private static String uidOf(Process process) throws IOException {
        // chroot and env exec the JVM, so the process Java started is the service.
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1];
            }
        }
        throw new AssertionError("no Uid in /proc/" + process.pid() + "/status");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("exit status of %s; it printed:%n%s", command, output).isZero();
        return output;
    }

    /** Removes the unpacked root after its mounts are gone (JUnit's own cleanup warns at every absolute link). */
    private interface Removal extends AutoCloseable {
        @Override
        void close() throws IOException, InterruptedException;
    }

    /**
     * An image's root filesystem made read-only by a bind mount, with /proc, /dev and an empty writable /tmp (the
     * Deployment's emptyDir), and commands run in it as the image's user.
     */
    private static final class Chroot implements AutoCloseable {

        private final Path root;
        private final List<Path> mounts = new ArrayList<>();

        private Chroot(Path root) {
            this.root = root;
        }

        static Chroot readOnly(Path root) throws IOException, InterruptedException {
            Chroot chroot = new Chroot(root.toAbsolutePath());
            try {
                chroot.mount(List.of("mount", "--bind", chroot.root.toString(), chroot.root.toString()), chroot.root);
                ImagesIT.run(List.of("mount", "-o", "remount,bind,ro", chroot.root.toString()));
                chroot.mount(List.of("mount", "-t", "proc", "proc", chroot.root.resolve("proc").toString()),
                        chroot.root.resolve("proc"));
                // A /dev of its own with the few devices a JVM and ffmpeg open, as container runtimes make it: the
                // host's /dev is never bound in, so nothing done inside (or a failed cleanup) can touch it.
                Path dev = chroot.root.resolve("dev");
                chroot.mount(List.of("mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", dev.toString()), dev);
                for (String[] device : new String[][] {{"null", "3"}, {"zero", "5"}, {"full", "7"}, {"random", "8"},
                        {"urandom", "9"}}) {
                    ImagesIT.run(List.of("mknod", "-m", "666", dev.resolve(device[0]).toString(), "c", "1",
                            device[1]));
                }
                chroot.mount(List.of("mount", "-t", "tmpfs", "-o", "size=256m,mode=1777", "tmpfs",
                        chroot.root.resolve("tmp").toString()), chroot.root.resolve("tmp"));
                return chroot;
            } catch (IOException | InterruptedException | AssertionError e) {
                chroot.close();
                throw e;
            }
        }

        private void mount(List<String> command, Path target) throws IOException, InterruptedException {
            ImagesIT.run(command);
            mounts.add(0, target);
        }

        void run(List<String> command) throws IOException, InterruptedException {
            List<String> inRoot = new ArrayList<>(List.of("chroot", "--userspec=" + USER + ":" + USER,
                    root.toString(), "/usr/bin/env", "-C", "/tmp"));
            inRoot.addAll(command);
            ImagesIT.run(inRoot);
        }

        Process start(Map<String, String> environment, List<String> entrypoint, Path log) throws IOException {
            List<String> command = new ArrayList<>(List.of("chroot", "--userspec=" + USER + ":" + USER,
                    root.toString(), "/usr/bin/env", "-i", "-C", "/app"));
            environment.forEach((name, value) -> command.add(name + "=" + value));
            command.addAll(entrypoint);
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        /** Unmounts everything, innermost first, and fails afterwards if any of them stayed. */
        @Override
        public void close() throws IOException, InterruptedException {
            AssertionError failed = null;
            for (Path target : mounts) {
                try {
                    ImagesIT.run(List.of("umount", "--lazy", target.toString()));
                } catch (AssertionError e) {
                    failed = failed == null ? e : failed;
                }
            }
            mounts.clear();
            if (failed != null) {
                throw failed;
            }
        }
    }
}
