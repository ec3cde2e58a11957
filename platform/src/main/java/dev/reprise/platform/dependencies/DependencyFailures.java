package dev.reprise.platform.dependencies;

import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.Optional;

/**
 * Tells a dependency being unavailable (a 503 the client may retry) from a bug (a 500). Only failures that say
 * "cannot reach or use the server" qualify; a constraint violation or a bad statement stays a 500.
 */
public final class DependencyFailures {

    /** A dependency a request may wait on, as named to the client in the problem type and detail. */
    public enum Dependency {
        DATABASE("database", "The database");

        private final String slug;
        private final String description;

        Dependency(String slug, String description) {
            this.slug = slug;
            this.description = description;
        }

        /** For the problem type: {@code database} gives {@code urn:reprise:problem:database-unavailable}. */
        public String slug() {
            return slug;
        }

        public String description() {
            return description;
        }
    }

    private static final int MAX_CAUSES = 16;

    private DependencyFailures() {
    }

    /** The dependency whose unavailability caused {@code failure}, looking through its causes. */
    public static Optional<Dependency> unavailable(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < MAX_CAUSES; depth++, cause = cause.getCause()) {
            if (isDatabaseUnavailable(cause)) {
                return Optional.of(Dependency.DATABASE);
            }
        }
        return Optional.empty();
    }

    private static boolean isDatabaseUnavailable(Throwable failure) {
        if (failure instanceof PgException pg) {
            return isUnavailableState(pg.getSqlState());
        }
        // the server went away, or BoundedDatabasePool's socket timeout cut a connection it stopped answering on
        if (failure instanceof ClosedConnectionException) {
            return true;
        }
        // the pool's acquire timeout (reprise.datasource.acquire-timeout): Vert.x fails it with a bare message
        if (failure instanceof NoStackTraceThrowable && "Timeout".equals(failure.getMessage())) {
            return true;
        }
        // refused or timed-out connects from Netty: the PostgreSQL pool is the services' only Netty-based client
        return isFromNetty(failure) && (failure instanceof ConnectException
                || failure instanceof io.netty.channel.ConnectTimeoutException);
    }

    /**
     * SQLSTATE classes that mean "the server cannot serve you now": 08 connection exception, 53 insufficient
     * resources (too many connections, out of memory or disk), 57P operator intervention (shutting down, starting
     * up, restarted after a crash).
     */
    private static boolean isUnavailableState(String sqlState) {
        return sqlState != null
                && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57P"));
    }

    private static boolean isFromNetty(Throwable failure) {
        return failure.getClass().getName().startsWith("io.netty.");
    }
}
