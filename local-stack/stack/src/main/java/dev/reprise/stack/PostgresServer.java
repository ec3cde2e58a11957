package dev.reprise.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL 17 (zonky embedded binaries, run as a server process on the chosen port and data directory) with one
 * login role and one database per service. Password authentication (SCRAM) applies to every role but the
 * {@code postgres} superuser, which is trusted from loopback only.
 */
final class PostgresServer {

    private static final System.Logger LOG = System.getLogger(LocalStack.class.getName());

    /**
     * A watchdog shell process: when this JVM is gone its stdin reaches end-of-file and it stops the postmaster
     * (SIGINT = fast shutdown), so PostgreSQL does not outlive a killed parent either.
     */
    private static final String JANITOR_SCRIPT = "cat >/dev/null 2>&1; pidfile=\"$1/postmaster.pid\"; "
            + "if [ -f \"$pidfile\" ]; then pid=$(head -n 1 \"$pidfile\"); "
            + "[ -n \"$pid\" ] && kill -INT \"$pid\" 2>/dev/null; fi; exit 0";

    private final EmbeddedPostgres postgres;
    private final Process janitor;
    private final Path dataDir;

    private PostgresServer(EmbeddedPostgres postgres, Process janitor, Path dataDir) {
        this.postgres = postgres;
        this.janitor = janitor;
        this.dataDir = dataDir;
    }

    static PostgresServer start(Path dataDir, Path logs, int port, boolean temporary, Map<String, String> passwords,
            StackOptions options, Map<String, Duration> timings) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(dataDir);
        Files.createDirectories(logs);
        Process janitor = new ProcessBuilder("sh", "-c", JANITOR_SCRIPT, "reprise-postgres-janitor",
                dataDir.toAbsolutePath().toString())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        java.io.File logFile = logs.resolve("postgres.log").toFile();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setPGStartupWait(options.startupTimeout())
                .setServerConfig("max_connections", "200")
                .setServerConfig("password_encryption", "scram-sha-256")
                .setDataDirectoryCustomizer(PostgresServer::writeHba)
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile));
        if (temporary) {
            // throw-away data: no need to survive an operating-system crash
            builder.setServerConfig("fsync", "off").setServerConfig("full_page_writes", "off");
        }
        EmbeddedPostgres postgres;
        try {
            postgres = builder.start();
        } catch (Throwable e) {
            janitor.destroy();
            closeQuietly(janitor);
            throw new IllegalStateException("PostgreSQL did not start on port " + port + "; last lines of " + logFile
                    + ":" + System.lineSeparator() + dev.reprise.stack.runtime.ChildJvm.tail(logFile.toPath(), 30), e);
        }
        PostgresServer server = new PostgresServer(postgres, janitor, dataDir);
        timings.put("postgres.server", Duration.ofNanos(System.nanoTime() - t0));
        try {
            server.createRoles(passwords);
        } catch (SQLException e) {
            server.stop();
            throw new IllegalStateException("cannot create the service roles and databases", e);
        } catch (Throwable e) {
            server.stop();
            throw e;
        }
        timings.put("postgres", Duration.ofNanos(System.nanoTime() - t0));
        return server;
    }

    private static void writeHba(java.io.File dataDir) {
        String hba = String.join("\n",
                "# Written by the Reprise local stack on every start.",
                "# TYPE  DATABASE  USER      ADDRESS        METHOD",
                "local   all       postgres                 trust",
                "local   all       all                      scram-sha-256",
                "host    all       postgres  127.0.0.1/32   trust",
                "host    all       postgres  ::1/128        trust",
                "host    all       all       127.0.0.1/32   scram-sha-256",
                "host    all       all       ::1/128        scram-sha-256",
                "");
        try {
            Files.writeString(dataDir.toPath().resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pg_hba.conf", e);
        }
    }

    /** For each service: a login role named like its database, owning that database, which no other role may use. */
    private void createRoles(Map<String, String> passwords) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC");
            for (ServiceSpec service : ServiceSpec.ALL) {
                String role = service.role();
                String password = passwords.get(role);
                if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
                    s.execute("CREATE ROLE \"" + role + "\" LOGIN");
                }
                // the password is [A-Za-z0-9] only (Support.randomToken), safe in a literal
                s.execute("ALTER ROLE \"" + role + "\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '"
                        + password + "'");
                if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", service.database())) {
                    s.execute("CREATE DATABASE \"" + service.database() + "\" OWNER \"" + role + "\"");
                }
                s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE \"" + service.database() + "\" FROM PUBLIC");
                s.execute("GRANT CONNECT, TEMPORARY ON DATABASE \"" + service.database() + "\" TO \"" + role + "\"");
            }
        }
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    int port() {
        return postgres.getPort();
    }

    /** The postmaster process, read from its pid file. */
    Optional<ProcessHandle> postmaster() {
        try {
            Path pidFile = dataDir.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    ProcessHandle janitor() {
        return janitor.toHandle();
    }

    /** Fast shutdown (pg_ctl stop -m fast), then the watchdog is released. */
    void stop() {
        Optional<ProcessHandle> postmaster = postmaster();
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stopping PostgreSQL failed", e);
        }
        postmaster.ifPresent(p -> {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "PostgreSQL (pid {0}) is still running", p.pid());
            }
        });
        // end-of-file for the watchdog: with the pid file gone it just exits
        closeQuietly(janitor);
    }

    private static void closeQuietly(Process janitor) {
        try {
            janitor.getOutputStream().close();
            janitor.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException ignored) {
            // gone already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (janitor.isAlive()) {
            janitor.descendants().forEach(ProcessHandle::destroyForcibly);
            janitor.destroyForcibly();
        }
    }
}
