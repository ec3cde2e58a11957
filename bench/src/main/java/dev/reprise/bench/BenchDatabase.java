package dev.reprise.bench;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/** A service's database of the local stack, reached from the benchmark JVM: the platform's tables and a pool. */
final class BenchDatabase implements AutoCloseable {

    private static final List<String> PLATFORM_MIGRATIONS = List.of("db/platform/V0_1__outbox_and_inbox.sql",
            "db/platform/V0_2__outbox_key_order_and_blocked_keys.sql");

    final Vertx vertx = Vertx.vertx();
    final Pool pool;
    private final Map<String, String> config;

    BenchDatabase(Map<String, String> serviceConfig, int poolSize) {
        this.config = serviceConfig;
        String url = serviceConfig.get("quarkus.datasource.reactive.url");
        PgConnectOptions options = PgConnectOptions.fromUri(url)
                .setUser(serviceConfig.get("quarkus.datasource.username"))
                .setPassword(serviceConfig.get("quarkus.datasource.password"))
                .setCachePreparedStatements(true);
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options).using(vertx).build();
    }

    /** Creates the outbox and inbox tables as a service's Flyway would (for a database no service migrated). */
    void migratePlatform() throws SQLException, IOException {
        try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
            for (String migration : PLATFORM_MIGRATIONS) {
                try (InputStream in = getClass().getClassLoader().getResourceAsStream(migration)) {
                    statement.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    Connection jdbc() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
    }

    long count(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next().getLong(0);
    }

    @Override
    public void close() {
        pool.close().await().indefinitely();
        vertx.close().await().indefinitely();
    }
}
